/**
 * Transparency log math (golang.org/x/mod/sumdb/tlog): RFC 6962 Merkle trees over SHA-256, the tiles a checksum
 * database serves them in, tree notes, and inclusion and consistency proofs computed from tiles.
 */
package dev.ferry.protocols.sumdb.tlog;
