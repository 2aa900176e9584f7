package dev.ferry.protocols.bundle;

/** How an import merges a metadata entry with what the site already has under the same key. */
public enum MetaPolicy {
    /** Written only when the site has no value: records that describe immutable content (version records, links). */
    KEEP_EXISTING,
    /** The bundle's value wins: pointers that move (tags, list and latest snapshots). */
    REPLACE
}
