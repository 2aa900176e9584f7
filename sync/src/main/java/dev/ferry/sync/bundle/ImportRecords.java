package dev.ferry.sync.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.bundle.BundleId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What this ferry imported: {@code DATA/bundles/imported.json} (id, base, when), which an incremental bundle's base
 * is checked against, and {@code <id>.mirror-sets.json} (mirror-set name to YAML) for the server to register.
 * The store holds the same record ({@link #META_PREFIX}) written in the import's final batch, so an import that
 * ended between that batch and this file still counts. Thread-safe.
 */
final class ImportRecords {
    /** Store metadata key prefix of the imported-bundle records; the value is the bundle's note text. */
    static final String META_PREFIX = "bundle/imported/";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    ImportRecords(Path bundlesDir) {
        this.dir = bundlesDir;
    }

    synchronized boolean contains(String id) throws IOException {
        for (JsonNode n : read()) {
            if (n.path("id").asText().equals(id)) {
                return true;
            }
        }
        return false;
    }

    synchronized void add(String id, String base, Instant when) throws IOException {
        if (contains(id)) {
            return;
        }
        ArrayNode all = read();
        ObjectNode n = all.addObject();
        n.put("id", id);
        if (base != null) {
            n.put("base", base);
        }
        n.put("imported", when.toString());
        AtomicFiles.write(
                dir.resolve("imported.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(all));
    }

    void writeMirrorSets(String id, Map<String, String> sets) throws IOException {
        AtomicFiles.write(
                mirrorSetsFile(id), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(sets));
    }

    /** The mirror sets that came with an imported bundle (name to YAML), empty when none or not imported. */
    Map<String, String> mirrorSets(String id) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            JSON.readTree(Files.readAllBytes(mirrorSetsFile(id)))
                    .properties()
                    .forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        return out;
    }

    private Path mirrorSetsFile(String id) {
        return dir.resolve(BundleId.check(id) + ".mirror-sets.json");
    }

    private ArrayNode read() throws IOException {
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(dir.resolve("imported.json")));
            return n instanceof ArrayNode a ? a : JSON.createArrayNode();
        } catch (NoSuchFileException e) {
            return JSON.createArrayNode();
        }
    }
}
