package dev.ferry.protocols.bundle;

import static dev.ferry.protocols.FormatException.quote;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Bundle ids: {@code yyyyMMdd'T'HHmmss'Z'-<8 lowercase hex>}, the UTC creation time then 32 random bits, so ids sort
 * by creation time and two bundles cut in the same second differ. Ids name directories, so the grammar is strict.
 */
public final class BundleId {
    private static final Pattern ID = Pattern.compile("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}");
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private BundleId() {}

    public static String create(Instant created, RandomGenerator random) {
        return TIME.format(created) + "-" + HexFormat.of().toHexDigits(random.nextInt());
    }

    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Returns {@code id} when it has the grammar above, else throws. */
    public static String check(String id) {
        if (!isValid(id)) {
            throw new BundleFormatException("invalid bundle id " + quote(id)
                    + ": want yyyyMMddTHHmmssZ-xxxxxxxx (UTC time, 8 lowercase hex digits)");
        }
        return id;
    }
}
