package dev.ferry.server.http;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RegistryRequest;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.RegistryAuth.Action;
import dev.ferry.server.registryauth.RegistryAuth.Caller;
import io.helidon.http.HeaderNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** {@code /v2/NAME/manifests/REFERENCE}: pull (GET, HEAD), push (PUT) and delete (DELETE) of a manifest or tag. */
final class ManifestHandler {
    /** Null: pushes are not recorded. */
    private final AuditLog audit;

    ManifestHandler(AuditLog audit) {
        this.audit = audit;
    }

    void handle(RepositoryCall call, RegistryRequest.Manifest manifest) throws RefusedRequest {
        switch (call.method()) {
            case "GET", "HEAD" ->
                call.read((target, name) -> target.manifest(name, manifest.reference(), call.x().head));
            case "PUT" -> put(call, manifest);
            case "DELETE" ->
                call.hosted(
                        Action.DELETE,
                        (target, caller) -> recorded(
                                call,
                                caller,
                                target.deleteManifest(manifest.name(), manifest.reference()),
                                manifest.reference()));
            default -> throw new IllegalStateException("method " + call.method() + " passed " + manifest.allow());
        }
    }

    /**
     * What was pushed to or deleted from a hosted repository, and by whom, into the audit log beside the admin
     * API's actions: a site that hosts its own images wants to know who replaced a tag (the console shows a
     * repository's pushes from it). Refused and failed attempts are the registry client's business, not written.
     */
    private OciAnswer recorded(RepositoryCall call, Caller caller, OciAnswer answer, Reference reference) {
        if (audit != null) {
            String action = call.method() + " " + call.x().rawPath;
            switch (answer) {
                case OciAnswer.Created c ->
                    audit.record(
                            RegistryAuth.who(caller),
                            call.x().client,
                            action,
                            c.digest().toString(),
                            201,
                            "pushed");
                case OciAnswer.Accepted a ->
                    audit.record(
                            RegistryAuth.who(caller), call.x().client, action, reference.toString(), 202, "deleted");
                default -> {}
            }
        }
        return answer;
    }

    /** The body itself is read only once the caller may push. */
    private void put(RepositoryCall call, RegistryRequest.Manifest manifest) throws RefusedRequest {
        String contentType = contentType(call);
        call.hosted(Action.PUSH, (target, caller) -> {
            byte[] body;
            try {
                body = readManifest(call);
            } catch (RefusedRequest e) {
                return new OciAnswer.Error(e.code(), e.getMessage());
            }
            return recorded(
                    call,
                    caller,
                    target.putManifest(
                            manifest.name(),
                            manifest.reference(),
                            contentType,
                            new ByteArrayInputStream(body),
                            body.length),
                    manifest.reference());
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
