package dev.ferry.server.http;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.RegistryRequest;
import dev.ferry.server.registryauth.RegistryAuth.Action;
import io.helidon.http.HeaderNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** {@code /v2/NAME/manifests/REFERENCE}: pull (GET, HEAD), push (PUT) and delete (DELETE) of a manifest or tag. */
final class ManifestHandler {

    void handle(RepositoryCall call, RegistryRequest.Manifest manifest) throws RefusedRequest {
        switch (call.method()) {
            case "GET", "HEAD" ->
                call.read((target, name) -> target.manifest(name, manifest.reference(), call.x().head));
            case "PUT" -> put(call, manifest);
            case "DELETE" ->
                call.hosted(
                        Action.DELETE,
                        (target, caller) -> target.deleteManifest(manifest.name(), manifest.reference()));
            default -> throw new IllegalStateException("method " + call.method() + " passed " + manifest.allow());
        }
    }

    /** The body itself is read only once the caller may push. */
    private static void put(RepositoryCall call, RegistryRequest.Manifest manifest) throws RefusedRequest {
        String contentType = contentType(call);
        call.hosted(Action.PUSH, (target, caller) -> {
            byte[] body;
            try {
                body = readManifest(call);
            } catch (RefusedRequest e) {
                return new OciAnswer.Error(e.code(), e.getMessage());
            }
            return target.putManifest(
                    manifest.name(), manifest.reference(), contentType, new ByteArrayInputStream(body), body.length);
        });
    }

    /** A PUT names the manifest's media type, and a length it declares is within {@link Manifest#MAX_SIZE}. */
    private static String contentType(RepositoryCall call) throws RefusedRequest {
        String contentType =
                call.x().req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        if (contentType == null || contentType.isBlank()) {
            throw new RefusedRequest(
                    OciErrorCode.MANIFEST_INVALID,
                    "a manifest PUT needs a Content-Type naming the manifest's media type");
        }
        long declared = call.declaredLength();
        if (declared > Manifest.MAX_SIZE) {
            throw new RefusedRequest(
                    OciErrorCode.SIZE_TOO_LARGE,
                    "manifest of " + declared + " bytes is over the " + Manifest.MAX_SIZE + "-byte limit");
        }
        return contentType;
    }

    /** Reads a manifest body of at most {@link Manifest#MAX_SIZE} bytes; one byte more is refused. */
    private static byte[] readManifest(RepositoryCall call) throws RefusedRequest {
        if (!call.hasBody()) {
            return new byte[0];
        }
        try (InputStream in = call.x().req.content().inputStream()) {
            byte[] bytes = in.readNBytes(Manifest.MAX_SIZE + 1);
            if (bytes.length > Manifest.MAX_SIZE) {
                throw new RefusedRequest(
                        OciErrorCode.SIZE_TOO_LARGE, "manifest is over the " + Manifest.MAX_SIZE + "-byte limit");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the manifest body failed", e);
        }
    }
}
