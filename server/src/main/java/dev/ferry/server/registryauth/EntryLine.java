package dev.ferry.server.registryauth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a file an operator writes by hand (htpasswd, tokens, roles): a line that is neither blank nor a
 * {@code #} comment, stripped, with {@code where} it stands ({@code FILE:LINE}) for the message that refuses it.
 */
record EntryLine(String where, String text) {
    /** The entries of {@code file}; a missing file is an IllegalArgumentException naming {@code kind} and the path. */
    static List<EntryLine> read(Path file, String kind) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(kind + " file " + file + " not found");
        }
        List<EntryLine> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                entries.add(new EntryLine(file + ":" + (i + 1), line));
            }
        }
        return entries;
    }
}
