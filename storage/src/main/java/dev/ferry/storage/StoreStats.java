package dev.ferry.storage;

/** Sizes for /metrics and the admin API. */
public record StoreStats(long objects, long objectBytes, long chunks, long chunkBytes, long diskBytes) {}
