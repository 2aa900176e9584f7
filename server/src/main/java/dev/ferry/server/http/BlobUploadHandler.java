package dev.ferry.server.http;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.ByteRange;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.RegistryRequest;
import dev.ferry.server.hosted.HostedRepositories;
import dev.ferry.server.registryauth.RegistryAuth.Action;
import dev.ferry.server.registryauth.RegistryAuth.Caller;
import io.helidon.http.HeaderNames;
import java.io.InputStream;

/**
 * {@code /v2/NAME/blobs/uploads/[SESSION]}, hosted repositories only: start an upload (POST, monolithic with
 * {@code ?digest=}, or a cross-repository mount with {@code ?mount=&from=}), its status (GET), a chunk (PATCH),
 * finishing it (PUT {@code ?digest=}) and cancelling it (DELETE).
 */
final class BlobUploadHandler {
    private final RegistryRouter router;
    private final RegistryGate gate;
    private final long maxUploadSize;

    BlobUploadHandler(RegistryRouter router, RegistryGate gate, long maxUploadSize) {
        this.router = router;
        this.gate = gate;
        this.maxUploadSize = maxUploadSize;
    }

    /** A request body whose declared length is within the upload limit, not read yet. */
    private record Body(InputStream in, long length) {}

    void handle(RepositoryCall call, RegistryRequest.BlobUpload upload) throws RefusedRequest {
        Digest digest = RefusedRequest.check(() -> upload.digest(call.query()));
        switch (call.method()) {
            case "POST" -> start(call, upload, digest);
            case "GET" ->
                call.hosted(Action.PULL, (target, caller) -> target.uploadStatus(upload.name(), upload.session()));
            case "PATCH" -> {
                String contentRange = contentRange(call);
                Body body = body(call);
                call.hosted(
                        Action.PUSH,
                        (target, caller) -> target.appendChunk(
                                upload.name(), upload.session(), contentRange, body.in(), body.length()));
            }
            case "PUT" -> {
                Digest finishing = RefusedRequest.check(() -> upload.finishingDigest(call.query()));
                Body body = body(call);
                call.hosted(
                        Action.PUSH,
                        (target, caller) -> target.finishUpload(
                                upload.name(), upload.session(), finishing, body.in(), body.length()));
            }
            case "DELETE" ->
                call.hosted(Action.PUSH, (target, caller) -> target.cancelUpload(upload.name(), upload.session()));
            default -> throw new IllegalStateException("method " + call.method() + " passed " + upload.allow());
        }
    }

    private void start(RepositoryCall call, RegistryRequest.BlobUpload upload, Digest digest) throws RefusedRequest {
        RegistryRequest.Mount mount = RefusedRequest.check(() -> upload.mount(call.query()));
        Body body = body(call);
        if (mount == null) {
            call.hosted(
                    Action.PUSH,
                    (target, caller) -> target.startUpload(upload.name(), digest, body.in(), body.length()));
            return;
        }
        call.hosted(Action.PUSH, mount.from(), (target, caller) -> mount(target, caller, upload, mount));
    }

    /** A mount from a hosted repository the caller may pull; else, as the spec has it, a new upload session. */
    private OciAnswer mount(
            HostedRepositories target, Caller caller, RegistryRequest.BlobUpload upload, RegistryRequest.Mount mount) {
        RegistryRouter.Route from = mount.from() == null ? null : router.resolve(mount.from(), null);
        if (from instanceof RegistryRouter.Route.Hosted
                && gate.auth().allows(caller, mount.from().value(), Action.PULL)) {
            return target.mount(upload.name(), mount.digest(), mount.from());
        }
        return target.startUpload(upload.name(), null, InputStream.nullInputStream(), 0);
    }

    /** The Content-Range of a PATCH, its syntax checked (whether it starts at the session's offset is the target's). */
    private static String contentRange(RepositoryCall call) throws RefusedRequest {
        String contentRange =
                call.x().req.headers().first(HeaderNames.CONTENT_RANGE).orElse(null);
        if (contentRange != null) {
            RefusedRequest.check(() -> ByteRange.parseContentRange(contentRange));
        }
        return contentRange;
    }

    /** Refused by its Content-Length before a byte of it is read; a chunked body is bounded by the target. */
    private Body body(RepositoryCall call) throws RefusedRequest {
        long length = call.declaredLength();
        if (length > maxUploadSize) {
            throw new RefusedRequest(
                    OciErrorCode.SIZE_TOO_LARGE,
                    "upload of " + length + " bytes is over this" + " registry's limit of " + maxUploadSize + " bytes");
        }
        if (!call.hasBody()) {
            return new Body(InputStream.nullInputStream(), 0);
        }
        return new Body(call.x().req.content().inputStream(), length);
    }
}
