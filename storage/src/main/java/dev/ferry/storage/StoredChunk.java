package dev.ferry.storage;

/** One chunk of a stored object: its address and length. */
public record StoredChunk(Sha256 digest, int length) {}
