package dev.ferry.server.hosted;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the hosted repositories behave: where upload sessions live (DATA/uploads), the largest blob an upload
 * may grow to, how long an idle session lives, and whether DELETE of manifests, tags and blobs is allowed.
 */
public record HostedSettings(Path uploadsDir, long maxUploadSize, Duration uploadExpiry, boolean deleteEnabled) {}
