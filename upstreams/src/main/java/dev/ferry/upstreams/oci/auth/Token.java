package dev.ferry.upstreams.oci.auth;

import java.time.Instant;

/** A bearer token from a realm: {@code authorization} is the whole header value; toString hides it. */
record Token(String authorization, Instant usableUntil) {
    @Override
    public String toString() {
        return "Token[***, until " + usableUntil + "]";
    }
}
