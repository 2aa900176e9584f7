package dev.ferry.mirror;

import dev.ferry.storage.StoredObject;

/** How a {@link SharedDownloads} download ended; each mirror maps it to its own answer. */
public sealed interface DownloadOutcome {
    /** Checked and committed (or found already stored). */
    record Stored(StoredObject object) implements DownloadOutcome {}

    /** Every upstream said it does not exist; {@code gone}: the last said so with a 410. */
    record Missing(String reason, boolean gone) implements DownloadOutcome {}

    /** No upstream could serve it; {@code badGateway}: an upstream served content that was refused. */
    record Failed(String reason, boolean badGateway) implements DownloadOutcome {}
}
