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
 * {@code --since} export cuts against. Each such record lists everything the site holds (16 bytes a key, a key per
 * chunk), so only the newest {@link #SENT_KEPT} per site are kept: a daily scheduled sync of a large site would
 * otherwise add its whole size again every day. Thread-safe.
 */
final class ExportHistory {
    /** Sent records kept per site: the newest bundle's, and a few before it for a medium that was lost. */
    static final int SENT_KEPT = 5;

    private static final System.Logger LOG = System.getLogger(ExportHistory.class.getName());
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

    /**
     * Records an export: its sent set first, so the newest bundles always have one; then removes the sent sets of the
     * site's bundles older than its newest {@link #SENT_KEPT}.
     */
    synchronized void add(ExportRecord record, AtomicFiles.Body sent) throws IOException {
        AtomicFiles.write(sentFile(record.id()), sent);
        List<ExportRecord> records = new ArrayList<>(list());
        records.add(record);
        ArrayNode all = JSON.createArrayNode();
        for (ExportRecord r : records) {
            all.add(node(r));
        }
        AtomicFiles.write(
                dir.resolve("history.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(all));
        List<ExportRecord> site =
                records.stream().filter(r -> r.site().equals(record.site())).toList();
        for (ExportRecord old : site.subList(0, Math.max(0, site.size() - SENT_KEPT))) {
            try {
                Files.deleteIfExists(sentFile(old.id()));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not remove " + sentFile(old.id()) + ": " + e);
            }
        }
    }

    /**
     * Whether bundle {@code id} is among the newest {@link #SENT_KEPT} to its site, whose sent sets are kept (false
     * for a bundle not in the history).
     */
    synchronized boolean amongKept(String id) throws IOException {
        List<ExportRecord> records = list();
        Optional<ExportRecord> record =
                records.stream().filter(r -> r.id().equals(id)).findFirst();
        if (record.isEmpty()) {
            return false;
        }
        List<String> site = records.stream()
                .filter(r -> r.site().equals(record.get().site()))
                .map(ExportRecord::id)
                .toList();
        return site.indexOf(id) >= site.size() - SENT_KEPT;
    }

    /** Whether the sent set of bundle {@code id} is still kept ({@link #SENT_KEPT}). */
    boolean hasSent(String id) {
        return Files.isRegularFile(sentFile(id), java.nio.file.LinkOption.NOFOLLOW_LINKS);
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
