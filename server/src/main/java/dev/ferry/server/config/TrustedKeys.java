package dev.ferry.server.config;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.note.Verifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Keys whose signed bundles an import accepts, each given as a verifier key ({@code name+hash+base64}, what
 * {@code ferry keys public} prints) or as a file holding one key per line ({@code #} starts a comment).
 */
public final class TrustedKeys {
    private TrustedKeys() {}

    /** One key or one file's keys; IllegalArgumentException with the reason when neither reads. */
    public static List<Verifier> parse(String keyOrFile) {
        String t = keyOrFile.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty key");
        }
        Path file = null;
        try {
            file = Path.of(t);
        } catch (RuntimeException notAPath) {
            // a key with characters no path allows: parsed as a key below
        }
        if (file != null && Files.isRegularFile(file)) {
            return readFile(file);
        }
        if (!t.contains("+")) {
            throw new IllegalArgumentException("\"" + t + "\" is neither a verifier key (name+hash+base64, from"
                    + " 'ferry keys public') nor a readable file");
        }
        try {
            return List.of(Verifier.parse(t));
        } catch (FormatException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** Every item's keys, duplicates once. */
    public static List<Verifier> parseAll(List<String> keysOrFiles) {
        LinkedHashSet<Verifier> out = new LinkedHashSet<>();
        for (String item : keysOrFiles) {
            out.addAll(parse(item));
        }
        return List.copyOf(out);
    }

    static List<Verifier> readFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        List<Verifier> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String key = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (key.isEmpty()) {
                continue;
            }
            try {
                out.add(Verifier.parse(key));
            } catch (FormatException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no key (one verifier key per line)");
        }
        return out;
    }
}
