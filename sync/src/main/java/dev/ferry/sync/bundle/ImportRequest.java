package dev.ferry.sync.bundle;

import dev.ferry.protocols.sumdb.note.Verifier;
import java.nio.file.Path;
import java.util.List;

/**
 * One import. {@code from}: the bundle directory, or several directories that together hold its volumes (one per
 * medium); the bundle's note and manifest must be in the first. {@code trusted}: the keys whose signatures this
 * import accepts (the server's configured keys plus any given with the request).
 */
public record ImportRequest(List<Path> from, List<Verifier> trusted) {
    public ImportRequest {
        from = List.copyOf(from);
        trusted = List.copyOf(trusted);
        if (from.isEmpty()) {
            throw new IllegalArgumentException("no bundle directory given");
        }
    }
}
