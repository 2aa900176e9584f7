package dev.ferry.upstreams;

import java.io.InputStream;
import java.net.http.HttpResponse;

/** What sending one request came to before any body was read; {@code kind == null} means interrupted. */
public sealed interface Sent {
    record Answered(HttpResponse<InputStream> response, int status) implements Sent {}

    record Failed(FailureKind kind, String detail) implements Sent {}
}
