package dev.ferry.server.http;

import dev.ferry.protocols.oci.ByteRange;
import dev.ferry.protocols.oci.RegistryRequest;
import dev.ferry.server.registryauth.RegistryAuth.Action;
import io.helidon.http.HeaderNames;

/** {@code /v2/NAME/blobs/DIGEST}: pull (GET, HEAD; GET with a Range) and delete (DELETE) of a blob. */
final class BlobHandler {

    void handle(RepositoryCall call, RegistryRequest.Blob blob) throws RefusedRequest {
        switch (call.method()) {
            case "GET", "HEAD" -> {
                String range = range(call);
                call.read((target, name) -> target.blob(name, blob.digest(), call.x().head, range));
            }
            case "DELETE" ->
                call.hosted(Action.DELETE, (target, caller) -> target.deleteBlob(blob.name(), blob.digest()));
            default -> throw new IllegalStateException("method " + call.method() + " passed " + blob.allow());
        }
    }

    /**
     * The Range header of a GET (HEAD ignores it), or null. Its syntax is checked here (RANGE_INVALID); whether it
     * fits the blob is the target's to say (416).
     */
    private static String range(RepositoryCall call) throws RefusedRequest {
        String range = call.x().req.headers().first(HeaderNames.RANGE).orElse(null);
        if (range == null || !call.method().equals("GET")) {
            return null;
        }
        RefusedRequest.check(() -> ByteRange.parseRange(range, Long.MAX_VALUE));
        return range;
    }
}
