/**
 * The file formats of ferry's offline bundles, pure (streams and channels the caller opens): the signed note's
 * text ({@link dev.ferry.protocols.bundle.BundleNote}), the manifest ({@link dev.ferry.protocols.bundle.ManifestWriter},
 * {@link dev.ferry.protocols.bundle.ManifestReader}), volumes ({@link dev.ferry.protocols.bundle.Volume}) and the
 * site inventory ({@link dev.ferry.protocols.bundle.Inventory}). Trust runs note → manifest (size and sha256) →
 * volumes (size and sha256) → chunks and objects (sha256 each). Readers treat every file as hostile: they check
 * every length against a cap and the file's bounds before allocating, and refuse what they cannot fully parse
 * with a {@link dev.ferry.protocols.bundle.BundleFormatException} saying where.
 */
package dev.ferry.protocols.bundle;
