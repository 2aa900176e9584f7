package dev.ferry.storage;

/** How an object is cut into chunks; see docs/storage.md for why and the measured sharing. */
public enum Chunking {
    /** Content-defined boundaries only (FastCDC-style): layers, tarballs, anything opaque. */
    CONTENT_DEFINED,
    /** Boundaries around every zip entry's header as well, so unchanged entries of two zips share chunks. */
    ZIP_ENTRIES
}
