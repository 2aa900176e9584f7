package dev.ferry.testing;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.Tlog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A checksum database as static files, signed by a test's own key: {@code latest} (a signed tree head),
 * {@code lookup/M@V} and every tile the go command may ask for at that tree size (full tiles, and the partial ones
 * as {@code .p/W}). Served by any static file server under {@code /sumdb/NAME/}, the go command and ferry verify
 * against it as against sum.golang.org.
 */
public final class StaticSumdb {
    private StaticSumdb() {}

    /**
     * Writes the database of {@code records} (each {@code "M V h1:...\nM V/go.mod h1:...\n"}, in log order) under
     * {@code db}.
     */
    public static void write(Path db, Signer signer, List<String> records) throws IOException {
        Files.createDirectories(db);
        Files.writeString(db.resolve("supported"), "");
        List<List<Hash>> levels = new ArrayList<>();
        List<Hash> level = new ArrayList<>();
        for (String r : records) {
            level.add(Tlog.recordHash(r.getBytes(StandardCharsets.UTF_8)));
        }
        while (!level.isEmpty()) {
            levels.add(level);
            List<Hash> up = new ArrayList<>();
            for (int i = 0; i + 1 < level.size(); i += 2) {
                up.add(Tlog.nodeHash(level.get(i), level.get(i + 1)));
            }
            level = up;
        }
        int n = records.size();
        String tree = "go.sum database tree\n" + n + "\n"
                + Base64.getEncoder().encodeToString(mth(levels, 0, n).bytes()) + "\n";
        byte[] signed = Note.sign(tree, signer);
        Files.write(db.resolve("latest"), signed);
        for (int i = 0; i < n; i++) {
            String[] first = records.get(i).split("\n")[0].split(" ");
            Path lookup = db.resolve("lookup")
                    .resolve(ModulePath.parse(first[0]).escaped() + "@" + ModulePath.escapeVersion(first[1]));
            Files.createDirectories(lookup.getParent());
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes((i + "\n" + records.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
            b.writeBytes(signed);
            Files.write(lookup, b.toByteArray());
        }
        // Tiles of height 8: tile level L holds the stored hashes of tree level 8L.
        for (int tileLevel = 0; tileLevel * 8 < levels.size(); tileLevel++) {
            List<Hash> hashes = levels.get(tileLevel * 8);
            for (int start = 0; start < hashes.size(); start += 256) {
                int width = Math.min(256, hashes.size() - start);
                ByteArrayOutputStream t = new ByteArrayOutputStream();
                for (int i = start; i < start + width; i++) {
                    t.writeBytes(hashes.get(i).bytes());
                }
                String num = tileNumber(start / 256);
                Path file = width == 256
                        ? db.resolve("tile/8/" + tileLevel + "/" + num)
                        : db.resolve("tile/8/" + tileLevel + "/" + num + ".p/" + width);
                Files.createDirectories(file.getParent());
                Files.write(file, t.toByteArray());
            }
        }
    }

    private static String tileNumber(long n) {
        String s = String.format("%03d", n % 1000);
        for (n /= 1000; n > 0; n /= 1000) {
            s = String.format("x%03d/", n % 1000) + s;
        }
        return s;
    }

    private static Hash mth(List<List<Hash>> levels, int lo, int hi) {
        if (hi - lo == 1) {
            return levels.get(0).get(lo);
        }
        int k = Integer.highestOneBit(hi - lo - 1);
        return Tlog.nodeHash(mth(levels, lo, lo + k), mth(levels, lo + k, hi));
    }
}
