package dev.ferry.storage;

/** A committed object: durable, digest-checked, immutable. */
public record StoredObject(Sha256 digest, long size) {}
