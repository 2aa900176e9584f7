package dev.ferry.server.http;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.server.hosted.HostedRepositories;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A registry target double (mirror or hosted) that records every call as one line ("manifest library/alpine
 * latest") and answers with a function of that line. Bodies handed to it are read to the end and their size
 * recorded, as a real target would consume them.
 */
final class FakeRegistry implements HostedRepositories {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile Function<String, OciAnswer> answers =
            call -> new OciAnswer.Error(OciErrorCode.MANIFEST_UNKNOWN, "fake: unknown");
    volatile List<RepositoryName> repositories = List.of();

    private OciAnswer call(String line) {
        calls.add(line);
        return answers.apply(line);
    }

    private static long drain(InputStream body) {
        try (InputStream in = body) {
            return in.transferTo(OutputStreamSink.INSTANCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }

    @Override
    public OciAnswer manifest(RepositoryName repository, Reference reference, boolean head) {
        return call("manifest " + repository + " " + reference + (head ? " head" : ""));
    }

    @Override
    public OciAnswer blob(RepositoryName repository, Digest digest, boolean head, String range) {
        return call("blob " + repository + " " + digest + (head ? " head" : "") + (range == null ? "" : " " + range));
    }

    @Override
    public OciAnswer tags(RepositoryName repository, int n, String last) {
        return call("tags " + repository + " " + n + " " + last);
    }

    @Override
    public OciAnswer referrers(RepositoryName repository, Digest subject, String artifactType) {
        return call("referrers " + repository + " " + subject + " " + artifactType);
    }

    @Override
    public List<RepositoryName> repositories() {
        calls.add("repositories");
        return repositories;
    }

    @Override
    public OciAnswer startUpload(RepositoryName repository, Digest digest, InputStream body, long contentLength) {
        long read = drain(body);
        return call("startUpload " + repository + " " + digest + " " + contentLength + " read=" + read);
    }

    @Override
    public OciAnswer mount(RepositoryName repository, Digest digest, RepositoryName from) {
        return call("mount " + repository + " " + digest + " " + from);
    }

    @Override
    public OciAnswer uploadStatus(RepositoryName repository, String uuid) {
        return call("uploadStatus " + repository + " " + uuid);
    }

    @Override
    public OciAnswer appendChunk(
            RepositoryName repository, String uuid, String contentRange, InputStream body, long contentLength) {
        long read = drain(body);
        return call(
                "appendChunk " + repository + " " + uuid + " " + contentRange + " " + contentLength + " read=" + read);
    }

    @Override
    public OciAnswer finishUpload(
            RepositoryName repository, String uuid, Digest digest, InputStream body, long contentLength) {
        long read = drain(body);
        return call("finishUpload " + repository + " " + uuid + " " + digest + " " + contentLength + " read=" + read);
    }

    @Override
    public OciAnswer cancelUpload(RepositoryName repository, String uuid) {
        return call("cancelUpload " + repository + " " + uuid);
    }

    @Override
    public OciAnswer putManifest(
            RepositoryName repository, Reference reference, String contentType, InputStream body, long contentLength) {
        long read = drain(body);
        return call("putManifest " + repository + " " + reference + " " + contentType + " " + contentLength + " read="
                + read);
    }

    @Override
    public OciAnswer deleteManifest(RepositoryName repository, Reference reference) {
        return call("deleteManifest " + repository + " " + reference);
    }

    @Override
    public OciAnswer deleteBlob(RepositoryName repository, Digest digest) {
        return call("deleteBlob " + repository + " " + digest);
    }

    @Override
    public int expireUploads() {
        calls.add("expireUploads");
        return 0;
    }
}
