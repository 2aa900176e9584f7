package dev.ferry.server.hosted;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciRepositories;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import java.io.InputStream;

/**
 * The write side of the distribution API, for the hosted repositories (distribution-spec "Push" and "Content
 * Management"). Authentication happens before any of this is called. Bodies are read at most to
 * {@code contentLength} (or the upload limit when that is -1); anything longer is refused with SIZE_TOO_LARGE.
 */
public interface HostedRepositories extends OciRepositories {

    /**
     * POST /blobs/uploads/: with {@code digest} set, a monolithic upload of {@code body} (201 Created); else a new
     * session (202 UploadProgress at offset 0; a non-empty body is its first chunk).
     */
    OciAnswer startUpload(RepositoryName repository, Digest digest, InputStream body, long contentLength);

    /** POST /blobs/uploads/?mount=digest&from=other: 201 when {@code from} holds the blob, else a new session (202). */
    OciAnswer mount(RepositoryName repository, Digest digest, RepositoryName from);

    /** GET /blobs/uploads/uuid: 204 UploadProgress. */
    OciAnswer uploadStatus(RepositoryName repository, String uuid);

    /**
     * PATCH /blobs/uploads/uuid: appends a chunk. {@code contentRange} (may be null for a streamed upload) must
     * start at the session's offset, else 416 RANGE_INVALID and nothing is appended.
     */
    OciAnswer appendChunk(
            RepositoryName repository, String uuid, String contentRange, InputStream body, long contentLength);

    /** PUT /blobs/uploads/uuid?digest=: appends the last bytes (may be none), checks the digest, commits (201). */
    OciAnswer finishUpload(RepositoryName repository, String uuid, Digest digest, InputStream body, long contentLength);

    /** DELETE /blobs/uploads/uuid: drops the session (204 NoContent). */
    OciAnswer cancelUpload(RepositoryName repository, String uuid);

    /**
     * PUT /manifests/reference: parses and checks the manifest (MANIFEST_INVALID), checks every referenced blob
     * and child manifest is in the repository (MANIFEST_BLOB_UNKNOWN; a subject may be absent), stores it and
     * points the tag at it (201, with the subject when it has one).
     */
    OciAnswer putManifest(
            RepositoryName repository, Reference reference, String contentType, InputStream body, long contentLength);

    /** DELETE /manifests/reference: a tag untags; a digest removes the manifest and every tag on it (202). */
    OciAnswer deleteManifest(RepositoryName repository, Reference reference);

    /** DELETE /blobs/digest: unlinks the blob from the repository (202). */
    OciAnswer deleteBlob(RepositoryName repository, Digest digest);

    /** Drops upload sessions idle for longer than the configured expiry; returns how many. */
    int expireUploads();
}
