package dev.ferry.mirror.go;

import java.time.Duration;

/**
 * listTtl: how long @v/list and @latest are served before asking upstream again;
 * notFoundTtl: how long a 404/410 from upstream is remembered.
 * STUB: the mirror work may add fields; keep defaults() meaningful.
 */
public record GoMirrorSettings(Duration listTtl, Duration notFoundTtl) {
    public static GoMirrorSettings defaults() {
        return new GoMirrorSettings(Duration.ofMinutes(5), Duration.ofMinutes(1));
    }
}
