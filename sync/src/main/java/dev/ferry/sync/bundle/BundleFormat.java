package dev.ferry.sync.bundle;

/** What an export writes. */
public enum BundleFormat {
    /** A signed ferry bundle: only what the site lacks, imported with {@code ferry import}. */
    BUNDLE,
    /** A static GOPROXY tree with the checksum-database files beside it, for sites without ferry. */
    GOPROXY,
    /** OCI image layouts, one per repository, for skopeo and podman. */
    OCI_LAYOUT
}
