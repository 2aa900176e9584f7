package dev.ferry.upstreams.cluster;

import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.Answer;
import dev.ferry.upstreams.pool.Attempted;
import dev.ferry.upstreams.pool.BodyHandler;
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
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Asks the node that owns a key ({@link KeyOwners}) to fetch what this node misses: a peer request with
 * {@link #FETCH_HEADER}{@code : owner} beside the cluster token, which the owner serves through its own mirror (its
 * store, its one shared download, its checks) instead of from its store only. So concurrent misses of one file on
 * several nodes become one download on its owner, and the slow link carries each file once (docs/cluster.md, Owner
 * fetch). A node refuses an owner fetch of a key it does not own ({@link #NOT_OWNER}), so no node fetches upstream
 * for another by mistake and a request cannot travel on.
 *
 * <p>Each other node is a pool of one (its own breaker), with the upstreams' timeouts, not the peers' short ones:
 * the owner may be fetching the file over the slow link before it answers. No hedging, no retries: when the owner
 * answers otherwise (a refusal, a stale copy, an error), the caller goes on as without an owner, to the peers' stores
 * and then its upstream. The owner's 404 or 410 is the upstream's answer, which the owner already asked.
 *
 * <p>When the owner cannot be reached at all (connection refused or timed out, breaker open: no answer), the key's
 * clients are now sent by HAProxy to its owner on the ring without that node, the <em>fallback owner</em>; that
 * node is asked instead, with {@link #DOWN_HEADER} naming the node(s) found down, so a file only the dead node held
 * is fetched once, by the fallback owner, not once by every survivor (docs/cluster.md). When this node is the
 * fallback owner it fetches the file itself. The fallback owner accepts only a key it owns on the ring without the
 * named nodes, and serves it through its mirror while {@link #servingFor marked}: for that key it asks no owner
 * itself, only the peers' stores and its upstream. So no loop is possible: an owner fetch is only ever answered by a
 * node that asks no other node to fetch that key (the full ring's owner owns it; a fallback owner is marked), and a
 * request travels one hop. Only the asking node walks on when the fallback owner is unreachable too, naming every
 * node it found down, at most once per node of the ring.
 */
public final class OwnerFetch implements AutoCloseable {
    /** The request header that makes a peer request an owner fetch. */
    public static final String FETCH_HEADER = "Ferry-Fetch";
    /** Its value. */
    public static final String OWNER = "owner";
    /** A node's answer to an owner fetch of a key it does not own: 421 Misdirected Request. */
    public static final int NOT_OWNER = 421;
    /**
     * The request header of an owner fetch sent to a fallback owner: the base URLs, comma-separated, of the nodes the
     * asker could not reach, the key's owner first.
     */
    public static final String DOWN_HEADER = "Ferry-Owner-Down";
    /** The response header by which a node marks an answer it could only give from an old copy. */
    public static final String STALE_HEADER = "X-Ferry-Stale";

    private static final PoolWalk.Rules RULES =
            new PoolWalk.Rules(false, true, status -> status == 404 || status == 410);
    private static final ExecutorService CLIENT_TASKS = Executors.newVirtualThreadPerTaskExecutor();

    private final KeyOwners owners;
    private final Map<URI, Link> links = new LinkedHashMap<>();
    private final HttpClient client;
    private final String token;
    /** The keys ({@link RoutingKey}) this node is serving owner fetches of, with how many are in progress. */
    private final Map<String, Integer> serving = new ConcurrentHashMap<>();

    /** One other node as a pool of its own. */
    private record Link(UpstreamPool pool, UpstreamHttp http, PoolWalk walk) {}

    /**
     * @param owners   the ring and this node's place on it
     * @param nodes    the other nodes (cluster.peers without this node)
     * @param timeouts connection time (a peer's), and first-byte and stall times (the upstreams')
     */
    public OwnerFetch(
            KeyOwners owners,
            List<URI> nodes,
            String token,
            UpstreamTimeouts timeouts,
            PoolSettings settings,
            UpstreamEvents events,
            Clock clock) {
        this.owners = owners;
        this.token = token;
        PoolSettings single = settings.withRetry(RetryPolicy.none()).withNotFoundMemory(Duration.ZERO);
        for (URI node : nodes) {
            URI base = URI.create(PeerClient.name(node));
            Upstream upstream = new Upstream(base, name(node), AfterFailure.MOVE_ON, 1, Credentials.NONE, timeouts);
            UpstreamPool pool = new UpstreamPool(List.of(upstream), single, clock, events);
            UpstreamHttp http = new UpstreamHttp(pool, events, clock);
            links.put(base, new Link(pool, http, new PoolWalk(pool, http, events, RULES)));
        }
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeouts.connect())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .executor(CLIENT_TASKS)
                .build();
    }

    /** The name an owner is known by in metrics and logs: its base URL, marked as the owner-fetch link. */
    public static String name(URI node) {
        return PeerClient.name(node) + " (owner)";
    }

    /** The cluster's ring, as this node sees it. */
    public KeyOwners owners() {
        return owners;
    }

    /**
     * Whether {@code path} (relative, as a client asks it without the leading /) belongs to another node, and this
     * node is not serving an owner fetch of it ({@link #servingFor}): then it is to be asked of its owner.
     */
    public boolean ownedElsewhere(String path) {
        return !owners.ownsSelf("/" + path)
                && links.containsKey(owners.owner("/" + path))
                && !serving.containsKey(RoutingKey.of("/" + path));
    }

    /**
     * Runs {@code call} (the mirror serving an accepted owner fetch of {@code rawPath}, a client's path with its
     * leading /) with its key marked: while it runs this node sends no owner fetch of that key (the mirror's download
     * of it goes to the peers' stores and the upstream), so an owner fetch never travels further.
     */
    public <T> T servingFor(String rawPath, Supplier<T> call) {
        String key = RoutingKey.of(rawPath);
        serving.merge(key, 1, Integer::sum);
        try {
            return call.get();
        } finally {
            serving.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
        }
    }

    /**
     * GET of {@code path} from its owner, or when the owner cannot be reached from its fallback owner (the owner on
     * the ring without the nodes found down, told who they are), the body streamed to {@code handler}: Fetched;
     * NotFound with the (fallback) owner's 404 or 410 (final: it asked the upstream), or with {@link #NOT_OWNER} or
     * another status when it would not or could not fetch it, or when this node is the fallback owner; Failed when
     * no owner could be reached. Call only when {@link #ownedElsewhere}.
     */
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        List<URI> down = new ArrayList<>();
        Optional<URI> node = Optional.of(owners.owner("/" + path));
        FetchResult<T> result = new FetchResult.NotFound<>(NOT_OWNER, "this node owns " + path);
        while (node.isPresent() && down.size() < links.size()) {
            Link link = links.get(node.get());
            if (link == null) {
                // This node owns it (while the nodes in down are down): it fetches it itself.
                return down.isEmpty()
                        ? result
                        : new FetchResult.NotFound<>(NOT_OWNER, "this node is the fallback owner of " + path);
            }
            OwnerCall<T> call = new OwnerCall<>(link, path, handler, List.copyOf(down));
            result = link.walk().fetch(call);
            if (!(result instanceof FetchResult.Failed<T>) || call.answered) {
                return result;
            }
            down.add(node.get());
            node = owners.owner("/" + path, down);
        }
        return result;
    }

    /** Each other node's pool of one, by its base URL: the admin API shows their breakers beside the peers'. */
    public Map<URI, UpstreamPool> pools() {
        Map<URI, UpstreamPool> out = new LinkedHashMap<>();
        links.forEach((node, link) -> out.put(node, link.pool()));
        return out;
    }

    @Override
    public void close() {
        links.values().forEach(l -> l.pool().close());
    }

    /** The one request to the owner. */
    private final class OwnerCall<T> implements UpstreamCall<T> {
        private final Link link;
        private final String path;
        private final BodyHandler<T> handler;
        private final List<URI> down;
        /** Whether the node answered at all (else it could not be reached: down, or its breaker open). */
        private volatile boolean answered;

        OwnerCall(Link link, String path, BodyHandler<T> handler, List<URI> down) {
            if (path.isEmpty() || path.startsWith("/")) {
                throw new IllegalArgumentException("owner path must be relative and non-empty: " + path);
            }
            this.link = link;
            this.path = path;
            this.handler = handler;
            this.down = down;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public Sent send(Upstream upstream, long rangeFrom) {
            HttpRequest.Builder b = UpstreamHttp.request(upstream.resolve(path), upstream)
                    .header(PeerClient.TOKEN_HEADER, token)
                    .header(FETCH_HEADER, OWNER)
                    .GET();
            if (!down.isEmpty()) {
                b.header(
                        DOWN_HEADER,
                        String.join(",", down.stream().map(URI::toString).toList()));
            }
            if (rangeFrom > 0) {
                b.header("Range", "bytes=" + rangeFrom + "-");
            }
            return link.http().send(client, upstream, b.build(), rangeFrom == 0);
        }

        @Override
        public Attempted<T> read(Answer answer) {
            answered = true;
            int status = answer.status();
            if (status == 200
                    && answer.response()
                            .headers()
                            .firstValue(STALE_HEADER)
                            .orElse("")
                            .equals("true")) {
                UpstreamHttp.closeQuietly(answer.response().body());
                return new Attempted<>(new Outcome.Missing<>(503, "the owner has only a stale copy"), answer.index());
            }
            if (status == 200) {
                return link.walk().stream(this, answer, handler, 0);
            }
            if (status == NOT_OWNER) {
                String why = reason(answer.response().body());
                return new Attempted<>(new Outcome.Missing<>(NOT_OWNER, why), answer.index());
            }
            return link.walk().refused(answer, OwnerFetch::reason);
        }

        @Override
        public String describe(Upstream upstream) {
            return upstream.name() + " GET /" + path
                    + (down.isEmpty() ? " (owner fetch)" : " (owner fetch, " + down + " down)");
        }
    }

    private static String reason(InputStream body) {
        try (body) {
            return new String(body.readNBytes(300), StandardCharsets.UTF_8)
                    .replaceAll("\\p{Cntrl}+", " ")
                    .strip();
        } catch (IOException e) {
            return "";
        }
    }
}
