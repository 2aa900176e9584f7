package dev.ferry.mirror.oci;

import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.upstreams.oci.ManifestHead;
import dev.ferry.upstreams.oci.RegistryClient;
import dev.ferry.upstreams.oci.TagPage;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.UpstreamPool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry in memory, with a counter per call, an off switch ({@link #down}: every call Failed, as when every
 * endpoint is unreachable) and blob bodies the test controls. Blob sources are tried in order like the
 * endpoints of a pool: a handler's ContentRejected or IOException moves on to the next.
 */
final class FakeRegistryClient implements RegistryClient {
    final AtomicInteger heads = new AtomicInteger();
    final AtomicInteger gets = new AtomicInteger();
    final AtomicInteger blobGets = new AtomicInteger();
    final AtomicInteger blobHeads = new AtomicInteger();
    final AtomicInteger tagCalls = new AtomicInteger();
    final AtomicInteger referrerCalls = new AtomicInteger();
    /** The references manifests were GET by, in order. */
    final List<String> getReferences = new CopyOnWriteArrayList<>();

    volatile boolean down;
    volatile boolean referrersApi = true;

    /** What a manifest URL answers: body, Content-Type, Docker-Content-Digest (may be null). */
    record Served(byte[] bytes, String mediaType, Digest digestHeader) {}

    /** One endpoint's answer for a blob: a fresh body each time, and the Content-Length it declares (-1: none). */
    interface BlobSource {
        InputStream open() throws IOException;

        long length();

        static BlobSource of(byte[] bytes) {
            return of(bytes, bytes.length);
        }

        static BlobSource of(byte[] bytes, long declared) {
            return new BlobSource() {
                @Override
                public InputStream open() {
                    return new ByteArrayInputStream(bytes);
                }

                @Override
                public long length() {
                    return declared;
                }
            };
        }
    }

    private final Map<String, Served> manifests = new ConcurrentHashMap<>();
    private final Map<Digest, List<BlobSource>> blobs = new ConcurrentHashMap<>();
    private final Map<String, CopyOnWriteArrayList<String>> tags = new ConcurrentHashMap<>();
    private final Map<String, byte[]> referrers = new ConcurrentHashMap<>();

    @Override
    public String registry() {
        return "registry.test";
    }

    /** Serves {@code bytes} by their digest, and by {@code tag} unless null, with a correct Docker-Content-Digest. */
    Digest putManifest(String repository, String tag, byte[] bytes, String mediaType) {
        Digest digest = sha256(bytes);
        manifests.put(repository + "@" + digest, new Served(bytes, mediaType, digest));
        if (tag != null) {
            manifests.put(repository + ":" + tag, new Served(bytes, mediaType, digest));
            tags.computeIfAbsent(repository, r -> new CopyOnWriteArrayList<>()).addIfAbsent(tag);
        }
        return digest;
    }

    /** Serves exactly this at {@code repository}{@code reference} ("@digest" or ":tag"). */
    void serveManifest(String repositoryAndReference, Served served) {
        manifests.put(repositoryAndReference, served);
    }

    /** The upstream forgets {@code repositoryAndReference} ("@digest" or ":tag"). */
    void forgetManifest(String repositoryAndReference) {
        manifests.remove(repositoryAndReference);
    }

    void putBlob(Digest digest, BlobSource... endpoints) {
        blobs.put(digest, List.of(endpoints));
    }

    void putReferrers(Digest subject, byte[] index) {
        referrers.put(subject.toString(), index);
    }

    void putTags(String repository, List<String> list) {
        tags.put(repository, new CopyOnWriteArrayList<>(list));
    }

    private Served lookup(RepositoryName repository, Reference reference) {
        String key = repository + (reference instanceof Reference.ByDigest ? "@" : ":") + reference;
        return manifests.get(key);
    }

    @Override
    public FetchResult<ManifestHead> headManifest(RepositoryName repository, Reference reference) {
        heads.incrementAndGet();
        if (down) {
            return failed();
        }
        Served served = lookup(repository, reference);
        if (served == null) {
            return new FetchResult.NotFound<>(404, "manifest unknown");
        }
        return new FetchResult.Fetched<>(head(served), "fake");
    }

    @Override
    public <T> FetchResult<T> manifest(RepositoryName repository, Reference reference, ManifestHandler<T> handler) {
        gets.incrementAndGet();
        getReferences.add(reference.toString());
        if (down) {
            return failed();
        }
        Served served = lookup(repository, reference);
        if (served == null) {
            return new FetchResult.NotFound<>(404, "manifest unknown");
        }
        try {
            return new FetchResult.Fetched<>(
                    handler.handle(new ByteArrayInputStream(served.bytes()), head(served), "fake"), "fake");
        } catch (ContentRejected e) {
            return new FetchResult.Failed<>(List.of(new FetchResult.Attempt("fake", "rejected: " + e.getMessage())));
        } catch (IOException e) {
            return new FetchResult.Failed<>(List.of(new FetchResult.Attempt("fake", "reset: " + e.getMessage())));
        }
    }

    private static ManifestHead head(Served served) {
        return new ManifestHead(served.mediaType(), served.digestHeader(), served.bytes().length);
    }

    @Override
    public <T> FetchResult<T> blob(RepositoryName repository, Digest digest, BodyHandler<T> handler) {
        blobGets.incrementAndGet();
        if (down) {
            return failed();
        }
        List<BlobSource> sources = blobs.get(digest);
        if (sources == null) {
            return new FetchResult.NotFound<>(404, "blob unknown");
        }
        List<FetchResult.Attempt> attempts = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            BlobSource source = sources.get(i);
            String endpoint = "endpoint-" + i;
            try (InputStream body = source.open()) {
                return new FetchResult.Fetched<>(handler.handle(body, source.length(), endpoint), endpoint);
            } catch (ContentRejected e) {
                attempts.add(new FetchResult.Attempt(endpoint, "rejected: " + e.getMessage()));
            } catch (IOException e) {
                attempts.add(new FetchResult.Attempt(endpoint, "reset: " + e.getMessage()));
            }
        }
        return new FetchResult.Failed<>(attempts);
    }

    @Override
    public FetchResult<Long> headBlob(RepositoryName repository, Digest digest) {
        blobHeads.incrementAndGet();
        if (down) {
            return failed();
        }
        List<BlobSource> sources = blobs.get(digest);
        return sources == null
                ? new FetchResult.NotFound<>(404, "blob unknown")
                : new FetchResult.Fetched<>(sources.getFirst().length(), "endpoint-0");
    }

    /** When positive: tags are listed in insertion order, this many per page, ignoring n. */
    volatile int storageOrderPages;

    @Override
    public FetchResult<TagPage> tags(RepositoryName repository, int n, String last) {
        tagCalls.incrementAndGet();
        if (down) {
            return failed();
        }
        List<String> all = tags.get(repository.value());
        if (all == null) {
            return new FetchResult.NotFound<>(404, "repository unknown");
        }
        if (storageOrderPages > 0) {
            // Like docker-registry 2.8.2: insertion order, its own page size, next page after the given tag.
            int from = last == null ? 0 : all.indexOf(last) + 1;
            List<String> page = all.subList(from, Math.min(all.size(), from + storageOrderPages));
            String next = from + storageOrderPages < all.size() ? page.getLast() : null;
            return new FetchResult.Fetched<>(new TagPage(List.copyOf(page), next), "fake");
        }
        List<String> after = all.stream()
                .sorted()
                .filter(t -> last == null || t.compareTo(last) > 0)
                .toList();
        if (n <= 0 || after.size() <= n) {
            return new FetchResult.Fetched<>(new TagPage(after, null), "fake");
        }
        List<String> page = after.subList(0, n);
        return new FetchResult.Fetched<>(new TagPage(page, page.getLast()), "fake");
    }

    @Override
    public FetchResult<byte[]> referrers(RepositoryName repository, Digest subject) {
        referrerCalls.incrementAndGet();
        if (down) {
            return failed();
        }
        if (!referrersApi) {
            return new FetchResult.NotFound<>(404, "no referrers API");
        }
        return new FetchResult.Fetched<>(
                referrers.getOrDefault(subject.toString(), CachingRegistryMirror.emptyIndex()), "fake");
    }

    private static <T> FetchResult<T> failed() {
        return new FetchResult.Failed<>(List.of(new FetchResult.Attempt("fake", "connect: connection refused")));
    }

    @Override
    public UpstreamPool pool() {
        throw new UnsupportedOperationException("not used by the mirror");
    }

    @Override
    public void close() {}

    static Digest sha256(byte[] bytes) {
        try {
            return Digest.sha256(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
