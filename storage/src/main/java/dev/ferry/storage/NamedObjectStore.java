package dev.ferry.storage;

/**
 * Objects and the names and metadata that point at them: the two roles every mirror uses together (it stores an
 * object and names it in one commit, and finds it again by name). No pins, chunks or eviction: a mirror pins through
 * its commit's {@link StoreBatch} and never evicts.
 */
public interface NamedObjectStore extends ObjectStore, NameStore {}
