package dev.ferry.upstreams.cluster;

import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.Answer;
import dev.ferry.upstreams.pool.Attempted;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.Outcome;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.PoolWalk;
import dev.ferry.upstreams.pool.RetryPolicy;
import dev.ferry.upstreams.pool.Sent;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamCall;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamHttp;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Asks the other nodes of a cluster for a file they hold, before anyone asks an upstream (docs/upstreams.md, Peers).
 * The request is the path a client would ask, with the cluster token in {@link #TOKEN_HEADER}: a node answers it
 * from its own store only (200, or 404 when it does not hold the file), never from an upstream and never by asking
 * its own peers, so a peer request cannot loop or reach the slow link.
 *
 * <p>The peers are a pool like any upstream list ({@link UpstreamPool}, shown as {@code peers} in the admin API):
 * asked in the configured order, any failure moving on, breakers, hedging, quarantine on a mismatch and short
 * timeouts ({@code cluster.peerTimeout} to the response headers), but no retries: when the peers cannot answer,
 * the upstream can. A peer's 404 is its honest answer, not a failure. What a peer sends goes to the same handler,
 * and so the same checks, as an upstream's.
 *
 * <p>A node may find itself in the list (the same list given to every node, without {@code cluster.self}): its
 * answers carry its node id ({@link #NODE_HEADER}), and a peer that answers with this node's own id is not asked
 * again.
 */
public final class PeerClient implements AutoCloseable {
    /** The request header that carries the cluster token and makes a node answer from its store only. */
    public static final String TOKEN_HEADER = "Ferry-Peer";
    /** The response header with which a node names itself in its answers to peers. */
    public static final String NODE_HEADER = "Ferry-Node";

    /** A peer's 404 moves on to the next peer; first requests are hedged like any small upstream request. */
    private static final PoolWalk.Rules PEERS = new PoolWalk.Rules(true, false, status -> status == 404);

    private static final ExecutorService CLIENT_TASKS = Executors.newVirtualThreadPerTaskExecutor();

    private final UpstreamPool pool;
    private final UpstreamHttp http;
    private final PoolWalk walk;
    private final HttpClient client;
    private final String token;
    private final String nodeId;
    private final PeerEvents events;
    private final Set<String> self = ConcurrentHashMap.newKeySet();

    /**
     * @param peers    base URLs of the other nodes, in the order they are asked
     * @param token    the cluster token
     * @param nodeId   this node's id, as its own answers to peers carry it
     * @param timeout  connection and response-header time allowed to a peer
     * @param stall    longest gap allowed between body bytes
     * @param settings the upstream pool's settings (breakers, hedging, quarantine); retries and the not-found memory
     *                 are off for peers
     */
    public PeerClient(
            List<URI> peers,
            String token,
            String nodeId,
            Duration timeout,
            Duration stall,
            PoolSettings settings,
            UpstreamEvents upstreamEvents,
            PeerEvents events,
            Clock clock) {
        UpstreamTimeouts timeouts = new UpstreamTimeouts(timeout, timeout, stall);
        List<Upstream> upstreams = peers.stream()
                .map(u -> new Upstream(
                        URI.create(u.toString().replaceAll("/+$", "")),
                        name(u),
                        AfterFailure.MOVE_ON,
                        1,
                        Credentials.NONE,
                        timeouts))
                .toList();
        this.pool = new UpstreamPool(
                upstreams,
                settings.withRetry(RetryPolicy.none()).withNotFoundMemory(Duration.ZERO),
                clock,
                upstreamEvents);
        this.http = new UpstreamHttp(pool, upstreamEvents, clock);
        this.walk = new PoolWalk(pool, http, upstreamEvents, PEERS);
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                // A node answers peers from its store; a redirect is nothing a peer sends.
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .executor(CLIENT_TASKS)
                .build();
        this.token = token;
        this.nodeId = nodeId;
        this.events = events;
    }

    /** The name a peer is known by in metrics, logs and the admin API: its base URL. */
    public static String name(URI peer) {
        return peer.toString().replaceAll("/+$", "");
    }

    public UpstreamPool pool() {
        return pool;
    }

    public boolean isEmpty() {
        return pool.isEmpty();
    }

    /** Probes peers whose breakers are open ({@code GET /health/ready}). */
    public void startProbing() {
        // Without the token: /health/ready is the node's readiness, not a peer request.
        pool.startProbing(u -> http.probed(
                u,
                http.send(
                        client,
                        u,
                        UpstreamHttp.request(u.resolve("health/ready"), u).GET().build())));
    }

    @Override
    public void close() {
        pool.close();
    }

    /**
     * GET of {@code path} (relative, as a client would ask it without the leading /), the body streamed to
     * {@code handler}: Fetched from the first peer that holds it and whose body the handler accepts, NotFound
     * when none holds it, Failed when some peer could not answer and none had it.
     */
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        if (pool.isEmpty()) {
            return new FetchResult.NotFound<>(404, "no peers");
        }
        return walk.fetch(new PeerCall<>(path, "GET", null, (call, answer) -> {
            String peer = answer.upstream().name();
            return walk.stream(call, answer, counted(peer, handler), 0);
        }));
    }

    /**
     * GET of {@code path} read whole (at most {@code limit} bytes) and handed over with the response headers:
     * for manifests, whose media type is a header.
     */
    public <T> FetchResult<T> fetchWhole(String path, String accept, int limit, WholeHandler<T> handler) {
        if (pool.isEmpty()) {
            return new FetchResult.NotFound<>(404, "no peers");
        }
        return walk.fetch(new PeerCall<>(path, "GET", accept, (call, answer) -> {
            String peer = answer.upstream().name();
            HttpHeaders headers = answer.response().headers();
            Outcome<byte[]> read = http.readWhole(answer, limit, path);
            if (!(read instanceof Outcome.Success<byte[]>(byte[] bytes, long count, long nanos))) {
                events.asked(peer, PeerEvents.FAILED);
                return new Attempted<>(read.cast(), answer.index());
            }
            BodyHandler<T> whole = (body, length, from) -> handler.handle(bytes, headers, from);
            return new Attempted<>(
                    Outcome.handled(
                            () -> counted(peer, whole).handle(new ByteArrayInputStream(bytes), bytes.length, peer),
                            count,
                            nanos),
                    answer.index());
        }));
    }

    /** HEAD of {@code path}: the headers of the first peer that holds it. */
    public FetchResult<HttpHeaders> head(String path, String accept) {
        if (pool.isEmpty()) {
            return new FetchResult.NotFound<>(404, "no peers");
        }
        return walk.fetch(new PeerCall<>(path, "HEAD", accept, (call, answer) -> {
            UpstreamHttp.closeQuietly(answer.response().body());
            events.asked(answer.upstream().name(), PeerEvents.FOUND);
            return new Attempted<>(new Outcome.Success<>(answer.response().headers()), answer.index());
        }));
    }

    /** Consumes a whole body and the headers it came with. */
    @FunctionalInterface
    public interface WholeHandler<T> {
        T handle(byte[] body, HttpHeaders headers, String peer) throws IOException, ContentRejected;
    }

    /** Counts what became of a peer's 200: stored (found), or refused by the checks (rejected). */
    private <T> BodyHandler<T> counted(String peer, BodyHandler<T> handler) {
        return (body, length, from) -> {
            try {
                T value = handler.handle(body, length, from);
                events.asked(peer, PeerEvents.FOUND);
                return value;
            } catch (ContentRejected e) {
                events.asked(peer, PeerEvents.REJECTED);
                throw e;
            } catch (IOException | RuntimeException e) {
                events.asked(peer, PeerEvents.FAILED);
                throw e;
            }
        };
    }

    @FunctionalInterface
    private interface Reader<T> {
        Attempted<T> read(PeerCall<T> call, Answer answer);
    }

    /** One request as the walk asks it of each peer. */
    private final class PeerCall<T> implements UpstreamCall<T> {
        private final String path;
        private final String method;
        private final String accept;
        private final Reader<T> reader;

        PeerCall(String path, String method, String accept, Reader<T> reader) {
            if (path.isEmpty() || path.startsWith("/")) {
                throw new IllegalArgumentException("peer path must be relative and non-empty: " + path);
            }
            this.path = path;
            this.method = method;
            this.accept = accept;
            this.reader = reader;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public Sent send(Upstream upstream, long rangeFrom) {
            Sent sent = PeerClient.this.send(upstream, path, method, accept, rangeFrom);
            if (sent instanceof Sent.Failed f && f.kind() != null) {
                events.asked(upstream.name(), PeerEvents.FAILED);
            }
            return sent;
        }

        @Override
        public Attempted<T> read(Answer answer) {
            String peer = answer.upstream().name();
            String node = answer.response().headers().firstValue(NODE_HEADER).orElse("");
            if (node.equals(nodeId)) {
                // This node asked itself: it is in the list without cluster.self. Never again.
                self.add(peer);
                UpstreamHttp.closeQuietly(answer.response().body());
                events.asked(peer, PeerEvents.SELF);
                return new Attempted<>(new Outcome.Missing<>(404, "this node itself"), answer.index());
            }
            int status = answer.status();
            if (status == 200) {
                return reader.read(this, answer);
            }
            events.asked(peer, status == 404 ? PeerEvents.NOT_FOUND : PeerEvents.FAILED);
            return walk.refused(answer, PeerClient::reason);
        }

        @Override
        public String describe(Upstream upstream) {
            return upstream.name() + " " + method + " /" + path + " (peer)";
        }

        /**
         * This node itself is never asked; nor is a quarantined peer: unlike a pool's last upstream, a peer is never
         * the last resort (the upstream is), so a peer that sent a wrong file gets no question until its
         * quarantine ends or an admin releases it.
         */
        @Override
        public Outcome.Missing<T> remembered(Upstream upstream) {
            if (self.contains(upstream.name())) {
                return new Outcome.Missing<>(404, "this node itself");
            }
            UpstreamPool.Member member = pool.member(upstream.name());
            if (member != null && member.breaker().quarantined()) {
                return new Outcome.Missing<>(404, "quarantined");
            }
            return null;
        }
    }

    private Sent send(Upstream upstream, String path, String method, String accept, long rangeFrom) {
        HttpRequest.Builder b = UpstreamHttp.request(upstream.resolve(path), upstream)
                .header(TOKEN_HEADER, token)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (accept != null) {
            b.header("Accept", accept);
        }
        if (rangeFrom > 0) {
            b.header("Range", "bytes=" + rangeFrom + "-");
        }
        return http.send(client, upstream, b.build(), rangeFrom == 0 && method.equals("GET"));
    }

    /** The start of a refusal's text (a 403's reason), printable and short. */
    private static String reason(InputStream body) {
        try {
            String text = new String(body.readNBytes(300), StandardCharsets.UTF_8)
                    .replaceAll("\\p{Cntrl}+", " ")
                    .strip();
            return text;
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether {@code peer} turned out to be this node. */
    boolean isSelf(String peer) {
        return self.contains(peer);
    }
}
