package dev.ferry.upstreams;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The body the handler reads: the first upstream's, and when that breaks or stalls part-way, the rest of it
 * from the next upstreams the list allows, asked with {@code Range: bytes=N-} (a 206 must fit exactly; a
 * 200 of the same length is read past the first N bytes). Only for bodies of declared length, because a
 * splice must be checked against it. The upstreams left behind are recorded as failed here; the one the
 * body ends on is the attempt's, recorded by the walk.
 *
 * <p>A client may also allow a few continuations from the upstream the body broke on, before moving on
 * ({@code sameUpstreamResumes}): the OCI client does, because a registry often has a single endpoint and a
 * connection that broke once usually works on the next try. Those are part of the same attempt, so nothing is
 * recorded for them.
 */
public final class SplicedBody extends InputStream {
    /** How the client sends a request and watches a body; SplicedBody asks for continuations with it. */
    public interface Transport {
        Sent send(Upstream upstream, String path, long rangeFrom);

        WatchedBody watch(Upstream upstream, HttpResponse<InputStream> response, long declared);

        /**
         * Whether requests to {@code upstream} have been waiting for an answer longer than the hedge delay (a black
         * hole): a continuation is not sent there, since nothing hedges it and it would wait the whole timeout.
         */
        default boolean hanging(Upstream upstream) {
            return false;
        }
    }

    private static final System.Logger LOG = System.getLogger(SplicedBody.class.getName());
    private final Transport transport;
    private final UpstreamEvents events;
    private final boolean weighted;
    private final List<UpstreamPool.Member> plan;
    private final String path;
    private final long declared;
    private int index;
    /** Plan indexes that could not be reached for a continuation; the walk does not ask them again. */
    private final Set<Integer> unreachable = new HashSet<>();
    private WatchedBody current;
    private long position;
    private int sameUpstreamResumes;

    SplicedBody(Transport transport, UpstreamEvents events, boolean weighted, List<UpstreamPool.Member> plan, int index,
                String path, WatchedBody first, long declared) {
        this(transport, events, weighted, plan, index, path, first, declared, 0);
    }

    public SplicedBody(Transport transport, UpstreamEvents events, boolean weighted, List<UpstreamPool.Member> plan,
                       int index, String path, WatchedBody first, long declared, int sameUpstreamResumes) {
        this.sameUpstreamResumes = sameUpstreamResumes;
        this.transport = transport;
        this.events = events;
        this.weighted = weighted;
        this.plan = plan;
        this.index = index;
        this.path = path;
        this.current = first;
        this.declared = declared;
    }

    public int index() {
        return index;
    }

    public Set<Integer> unreachable() {
        return unreachable;
    }

    /** The failure of the body the handler is reading now, for classifying what the handler threw. */
    public TransferFailure failure() {
        return current.failure();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (true) {
            try {
                int n = current.read(b, off, len);
                if (n > 0) {
                    position += n;
                }
                return n;
            } catch (TransferFailure f) {
                if (!resume(f)) {
                    throw f;
                }
            }
        }
    }

    private boolean resume(TransferFailure f) {
        if (declared <= 0 || position == 0 || position >= declared || Thread.currentThread().isInterrupted()) {
            return false;
        }
        // A body that is slow rather than broken would be as slow again from the same upstream.
        if (sameUpstreamResumes > 0 && f.kind() != FailureKind.SLOW) {
            sameUpstreamResumes--;
            UpstreamPool.Member same = plan.get(index);
            WatchedBody body = continuation(same, index);
            if (body != null) {
                closeQuietly();
                events.bytes(same.upstream().name(), current.count());
                LOG.log(System.Logger.Level.INFO, "continuing " + path + " at byte " + position + " of " + declared
                        + " from " + same.upstream().name() + " again after: " + f.getMessage());
                current = body;
                return true;
            }
        }
        for (int j = index + 1; j < plan.size(); j++) {
            if (!weighted && plan.get(j - 1).upstream().fallThrough() != GoProxyList.FallThrough.ANY_ERROR) {
                break;
            }
            UpstreamPool.Member next = plan.get(j);
            if (unreachable.contains(j) || transport.hanging(next.upstream()) || !next.tryAcquire()) {
                continue;
            }
            WatchedBody body = continuation(next, j);
            if (body == null) {
                continue;
            }
            // From here the next upstream owns the attempt; the one left behind failed.
            UpstreamPool.Member left = plan.get(index);
            closeQuietly();
            events.bytes(left.upstream().name(), current.count());
            TransferFailure why = current.failure() != null ? current.failure() : f;
            left.record(new AttemptOutcome.Failure(why.kind(), why.getMessage(), null));
            LOG.log(System.Logger.Level.INFO, "continuing " + path + " at byte " + position + " of " + declared
                    + " from " + next.upstream().name() + " after " + left.upstream().name() + ": " + why.getMessage());
            index = j;
            current = body;
            return true;
        }
        return false;
    }

    /**
     * The rest of the body from {@code upstream}, or null (then the failure is recorded, unless the member is the
     * one the attempt is on: the walk records that one).
     */
    private WatchedBody continuation(UpstreamPool.Member member, int j) {
        Upstream upstream = member.upstream();
        boolean same = j == index;
        Sent sent = transport.send(upstream, path, position);
        if (sent instanceof Sent.Failed failed) {
            if (!same) {
                member.record(failed.kind() == null ? new AttemptOutcome.Abandoned(failed.detail())
                        : new AttemptOutcome.Failure(failed.kind(), failed.detail(), null));
                // Not worth asking again from the start in this walk.
                unreachable.add(j);
            }
            return null;
        }
        HttpResponse<InputStream> response = ((Sent.Answered) sent).response();
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        String problem = null;
        if (response.statusCode() == 206) {
            String range = response.headers().firstValue("Content-Range").orElse("");
            String expected = "bytes " + position + "-" + (declared - 1) + "/" + declared;
            if (!range.strip().equals(expected) || (length >= 0 && length != declared - position)) {
                problem = "206 with Content-Range \"" + range + "\", expected \"" + expected + "\"";
            } else {
                return transport.watch(upstream, response, declared - position);
            }
        } else if (response.statusCode() == 200 && length != declared) {
            // One of the two lies about the length, and we cannot tell which: no penalty, and the walk
            // asks this upstream again from the start.
            closeQuietly(response.body());
            if (!same) {
                member.record(new AttemptOutcome.Abandoned("length differs from the first upstream's"));
            }
            return null;
        } else if (response.statusCode() == 200) {
            WatchedBody whole = transport.watch(upstream, response, declared);
            try {
                // No Range support: read past what the previous upstream already gave.
                whole.skipNBytes(position);
                return whole;
            } catch (IOException e) {
                closeQuietly(whole);
                TransferFailure t = whole.failure();
                if (same) {
                    return null;
                }
                member.record(new AttemptOutcome.Failure(t != null ? t.kind() : FailureKind.RESET,
                        t != null ? t.getMessage() : WatchedBody.describe(e), null));
                return null;
            }
        } else {
            problem = "HTTP " + response.statusCode() + " to a Range request for bytes " + position + "- of " + declared;
        }
        closeQuietly(response.body());
        if (same) {
            return null;
        }
        member.record(new AttemptOutcome.Failure(response.statusCode() == 429 ? FailureKind.STATUS_429
                : response.statusCode() >= 500 ? FailureKind.STATUS_5XX : FailureKind.STATUS_4XX, problem,
                null));
        return null;
    }

    public void closeQuietly() {
        closeQuietly(current);
    }

    /** Bytes of the upstream that owns the attempt now (those left behind were reported on leaving). */
    public void reportBytes() {
        events.bytes(plan.get(index).upstream().name(), current.count());
    }

    public static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // the attempt's outcome is already decided
        }
    }

    @Override
    public void close() {
        // The client closes the body when the attempt ends; a handler closing early must not end it sooner.
    }
}
