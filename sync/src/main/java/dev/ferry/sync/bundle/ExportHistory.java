package dev.ferry.sync.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.bundle.BundleFormatException;
import dev.ferry.protocols.bundle.BundleId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What this ferry exported: {@code DATA/bundles/history.json} (a JSON array of {@link ExportRecord}, oldest first)
 * and per bundle {@code <id>.sent}, the inventory of what the site holds once it imported the bundle, which a
 * {@code --since} export cuts against. Thread-safe.
 */
final class ExportHistory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    ExportHistory(Path bundlesDir) {
        this.dir = bundlesDir;
    }

    synchronized List<ExportRecord> list() throws IOException {
        Path file = dir.resolve("history.json");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<ExportRecord> out = new ArrayList<>();
        for (JsonNode n : root) {
            out.add(new ExportRecord(
                    n.path("id").asText(),
                    n.path("site").asText(""),
                    n.hasNonNull("base") ? n.get("base").asText() : null,
                    n.path("inventory").asBoolean(),
                    n.path("directory").asText(),
                    Instant.parse(n.path("created").asText()),
                    n.path("objects").asLong(),
                    n.path("chunks").asLong(),
                    n.path("bytes").asLong()));
        }
        return out;
    }

    synchronized Optional<ExportRecord> find(String id) throws IOException {
        return list().stream().filter(r -> r.id().equals(id)).findFirst();
    }

    /** Records an export: its sent set first, so a listed bundle always has one. */
    synchronized void add(ExportRecord record, AtomicFiles.Body sent) throws IOException {
        AtomicFiles.write(sentFile(record.id()), sent);
        ArrayNode all = JSON.createArrayNode();
        for (ExportRecord r : list()) {
            all.add(node(r));
        }
        all.add(node(record));
        AtomicFiles.write(
                dir.resolve("history.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(all));
    }

    /**
     * The sent set of an exported bundle, as the cut set of an export made {@code --since} it: in the heap while it
     * fits the inventory budget, else in a scratch table in {@code scratch} ({@link CutSet}).
     */
    CutSet sent(String id, Path scratch) throws IOException {
        try {
            return CutSet.read(sentFile(id), HeapBudget.inventoryKeys(), scratch);
        } catch (BundleFormatException e) {
            throw new IOException(sentFile(id) + " is damaged: " + e.getMessage(), e);
        }
    }

    private Path sentFile(String id) {
        return dir.resolve(BundleId.check(id) + ".sent");
    }

    private static ObjectNode node(ExportRecord r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", r.id());
        n.put("site", r.site());
        if (r.base() != null) {
            n.put("base", r.base());
        }
        n.put("inventory", r.inventory());
        n.put("directory", r.directory());
        n.put("created", r.created().toString());
        n.put("objects", r.objects());
        n.put("chunks", r.chunks());
        n.put("bytes", r.bytes());
        return n;
    }
}
