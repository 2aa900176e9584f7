package dev.ferry.mirror.go;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * A refreshable answer (@v/list, @latest, a version query) as last fetched, kept in one metadata value:
 * {@code "fetched=<epoch millis>\nupstream=<name>\n\n"} then the body bytes.
 */
public record Snapshot(Instant fetched, String upstream, byte[] body) {

    public byte[] encode() {
        byte[] head = ("fetched=" + fetched.toEpochMilli() + "\nupstream=" + upstream + "\n\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    /** Empty for a value this version cannot read: it is then refetched, as if it were missing. */
    public static Optional<Snapshot> decode(byte[] value) {
        int split = -1;
        for (int i = 0; i + 1 < value.length; i++) {
            if (value[i] == '\n' && value[i + 1] == '\n') {
                split = i;
                break;
            }
        }
        if (split < 0) {
            return Optional.empty();
        }
        Instant fetched = null;
        String upstream = "";
        for (String line : new String(value, 0, split, StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("fetched=")) {
                try {
                    fetched = Instant.ofEpochMilli(Long.parseLong(line.substring(8)));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            } else if (line.startsWith("upstream=")) {
                upstream = line.substring(9);
            }
        }
        return fetched == null
                ? Optional.empty()
                : Optional.of(new Snapshot(fetched, upstream, Arrays.copyOfRange(value, split + 2, value.length)));
    }
}
