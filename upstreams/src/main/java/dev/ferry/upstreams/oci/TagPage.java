package dev.ferry.upstreams.oci;

import java.util.List;

/** One page of an upstream's tags list; {@code nextLast} is the {@code last} for the next page, or null. */
public record TagPage(List<String> tags, String nextLast) {}
