package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * After an import: the mirror sets that came with the bundle (written by the import to
 * {@code DATA/bundles/<bundle id>.mirror-sets.json}, an object of name to YAML text) are registered without a
 * schedule, so the offline site lists what it was given and can run them itself should it go online.
 */
public final class ImportedMirrorSets {
    private static final Logger LOG = Logger.getLogger("ferry.bundles");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ImportedMirrorSets() {}

    public static Path file(Path bundlesDir, String bundleId) {
        return bundlesDir.resolve(bundleId + ".mirror-sets.json");
    }

    /** Registers each set; returns the names registered. A set that cannot be registered is logged and skipped. */
    public static List<String> register(Path bundlesDir, String bundleId, MirrorSetRegistry registry)
            throws IOException {
        Path file = file(bundlesDir, bundleId);
        if (bundleId == null || !Files.isRegularFile(file)) {
            return List.of();
        }
        JsonNode root = JSON.readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IOException(file + " is not a JSON object of mirror-set name to YAML text");
        }
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                LOG.warning("bundle " + bundleId + ": mirror set " + e.getKey() + " in " + file + " is not YAML text;"
                        + " skipped");
                continue;
            }
            if (registry.get(e.getKey())
                    .map(x -> x.registration().content().equals(e.getValue().asText()))
                    .orElse(false)) {
                continue; // already here as it is (every full bundle carries it): keep its schedule, if it has one
            }
            try {
                registry.registerUnscheduled(
                        e.getKey() + ".yaml (bundle " + bundleId + ")",
                        e.getValue().asText(),
                        e.getKey());
                out.add(e.getKey());
            } catch (MirrorSetRegistry.Invalid invalid) {
                LOG.warning("bundle " + bundleId + ": mirror set " + e.getKey() + " not registered: "
                        + invalid.getMessage());
            }
        }
        if (!out.isEmpty()) {
            LOG.info("bundle " + bundleId + ": registered its mirror sets " + out + " (not scheduled: this site"
                    + " imports instead of fetching)");
        }
        return out;
    }
}
