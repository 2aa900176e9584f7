package dev.ferry.upstreams.oci;

import dev.ferry.protocols.oci.Digest;

/**
 * What an upstream's manifest response headers say: Content-Type (essence only), Docker-Content-Digest (null
 * when the upstream sent none or an unparseable one) and Content-Length (-1 when absent).
 */
public record ManifestHead(String mediaType, Digest digest, long size) {}
