package dev.ferry.mirror.oci.hosted;

import dev.ferry.mirror.oci.HostedRepositories;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.storage.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;

/** The hosted repositories on the content store. STUB: the hosted work fills it in. */
public final class HostedRegistry implements HostedRepositories {

    /** Opens the hosted repositories; upload sessions left by an earlier run are picked up again. */
    public HostedRegistry(ContentStore store, HostedSettings settings, Clock clock) throws IOException {
    }

    @Override public OciAnswer manifest(RepositoryName r, Reference ref, boolean head) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer blob(RepositoryName r, Digest d, boolean head, String range) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer tags(RepositoryName r, int n, String last) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer referrers(RepositoryName r, Digest s, String t) { throw new UnsupportedOperationException("stub"); }
    @Override public List<RepositoryName> repositories() { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer startUpload(RepositoryName r, Digest d, InputStream b, long l) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer mount(RepositoryName r, Digest d, RepositoryName from) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer uploadStatus(RepositoryName r, String uuid) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer appendChunk(RepositoryName r, String uuid, String cr, InputStream b, long l) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer finishUpload(RepositoryName r, String uuid, Digest d, InputStream b, long l) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer cancelUpload(RepositoryName r, String uuid) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer putManifest(RepositoryName r, Reference ref, String ct, InputStream b, long l) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer deleteManifest(RepositoryName r, Reference ref) { throw new UnsupportedOperationException("stub"); }
    @Override public OciAnswer deleteBlob(RepositoryName r, Digest d) { throw new UnsupportedOperationException("stub"); }
    @Override public int expireUploads() { throw new UnsupportedOperationException("stub"); }
}
