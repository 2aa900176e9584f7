package dev.ferry.storage;

/** How an object is cut into chunks; see docs/storage.md for why and the measured sharing. */
public enum Chunking {
    /** Content-defined boundaries only (FastCDC-style): layers, tarballs, anything opaque. */
    CONTENT_DEFINED,
    /** Boundaries around every zip entry's header as well, so unchanged entries of two zips share chunks. */
    ZIP_ENTRIES,
    /**
     * Fixed cuts every {@link Chunker#FIXED_CHUNK} (1 MiB): for compressed content such as OCI layers, where
     * content-defined cuts find nothing to share (any change reshuffles the compressed stream) and only cost CPU
     * and index entries. Identical blobs are still stored once, as objects; a 1 MiB blob is one chunk.
     */
    FIXED
}
