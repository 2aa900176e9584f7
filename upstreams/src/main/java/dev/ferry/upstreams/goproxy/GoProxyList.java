package dev.ferry.upstreams.goproxy;

import dev.ferry.protocols.FormatException;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/**
 * A GOPROXY-syntax upstream list: {@code https://a,https://b|https://c,direct}. After a comma the next entry is
 * tried only when this one answered 404 or 410; after a pipe, on any error. {@code direct} means the module's own
 * version-control origin, fetched with the go command on the server; {@code off} (alone) means no upstream.
 *
 * <p>{@link #entries} are the proxies; {@link #direct} says whether {@code direct} follows them, and the last
 * proxy's {@link Entry#fallThrough} is then the separator before it (with no proxies, {@code direct} is all).
 *
 * <p>{@link #parse} is stricter than the go command, because a mirror's configuration error should stop the
 * server at start-up rather than surface as odd misses later: it throws {@link FormatException} (an
 * IllegalArgumentException) for {@code direct} anywhere but last (the go command would fetch from the origin
 * before asking the proxies after it, which is never what a mirror wants), {@code off} combined with other
 * entries, empty entries (the go command skips them silently), URLs that are not absolute http(s) with a host,
 * and URLs with a query, fragment or user info. Trailing slashes of a base path are dropped, so
 * {@code toString()} gives the normalised text and {@code parse(list.toString()).equals(list)}.
 */
public record GoProxyList(List<Entry> entries, boolean direct) {

    /** What moves a request past this entry to the next one. */
    public enum FallThrough {
        NOT_FOUND_ONLY,
        ANY_ERROR;

        /** The pool's word for it: after a {@code |} a failure moves on, after a {@code ,} it is the answer. */
        public AfterFailure afterFailure() {
            return this == ANY_ERROR ? AfterFailure.MOVE_ON : AfterFailure.STOP;
        }
    }

    /** {@code fallThrough} is the separator after this entry (for the last entry it does not matter). */
    public record Entry(URI base, FallThrough fallThrough) {
        /** The entry as a pool member: named by its URL, weight 1, no credentials. */
        public Upstream upstream(UpstreamTimeouts timeouts) {
            return new Upstream(base, base.toString(), fallThrough.afterFailure(), 1, Credentials.NONE, timeouts);
        }
    }

    public GoProxyList {
        entries = List.copyOf(entries);
    }

    /** Proxies only, no {@code direct}. */
    public GoProxyList(List<Entry> entries) {
        this(entries, false);
    }

    public static GoProxyList off() {
        return new GoProxyList(List.of());
    }

    /** {@code direct} alone: every module from its origin. */
    public static GoProxyList directOnly() {
        return new GoProxyList(List.of(), true);
    }

    public static GoProxyList parse(String text) {
        if (text == null || text.isBlank()) {
            throw new FormatException("GOPROXY list is empty: give one or more http(s) URLs, or \"off\"");
        }
        if (text.trim().equals("off")) {
            return off();
        }
        List<Entry> entries = new ArrayList<>();
        boolean direct = false;
        int start = 0;
        while (true) {
            int sep = indexOfSeparator(text, start);
            String item = (sep < 0 ? text.substring(start) : text.substring(start, sep)).trim();
            FallThrough fallThrough =
                    sep >= 0 && text.charAt(sep) == '|' ? FallThrough.ANY_ERROR : FallThrough.NOT_FOUND_ONLY;
            if (item.equals("direct")) {
                if (sep >= 0) {
                    throw new FormatException("GOPROXY entry " + (entries.size() + 1) + " of \"" + text
                            + "\" is \"direct\", which must be the last entry: ferry asks the proxies first and"
                            + " the module's origin only when they do not have it");
                }
                direct = true;
                break;
            }
            entries.add(new Entry(entryUri(text, item, entries.size() + 1), fallThrough));
            if (sep < 0) {
                break;
            }
            start = sep + 1;
        }
        if (!direct && !entries.isEmpty()) {
            // The last entry has no separator after it; NOT_FOUND_ONLY keeps parse(toString()) an identity.
            Entry last = entries.removeLast();
            entries.add(new Entry(last.base(), FallThrough.NOT_FOUND_ONLY));
        }
        return new GoProxyList(entries, direct);
    }

    /** No upstream at all: neither a proxy nor {@code direct}. */
    public boolean isOff() {
        return entries.isEmpty() && !direct;
    }

    /**
     * Whether a failure (not a 404/410) of the proxy walk still goes on to {@code direct}: only when the walk went
     * past every proxy it asked, which the go command does when each of them is followed by a {@code |}.
     */
    public boolean directAfterFailureOf(String upstreamName) {
        for (Entry e : entries) {
            if (e.base().toString().equals(upstreamName)) {
                return direct && e.fallThrough() == FallThrough.ANY_ERROR;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        if (isOff()) {
            return "off";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            out.append(entry.base());
            if (i < entries.size() - 1 || direct) {
                out.append(entry.fallThrough() == FallThrough.ANY_ERROR ? '|' : ',');
            }
        }
        return direct ? out.append("direct").toString() : out.toString();
    }

    private static int indexOfSeparator(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ',' || c == '|') {
                return i;
            }
        }
        return -1;
    }

    private static URI entryUri(String text, String item, int position) {
        String where = "GOPROXY entry " + position + " of \"" + text + "\"";
        if (item.isEmpty()) {
            throw new FormatException(where + " is empty (two separators in a row, or one at an end)");
        }
        if (item.equals("off")) {
            throw new FormatException(where + " is \"off\", which is only allowed alone (no upstream at all)");
        }
        URI uri;
        try {
            uri = new URI(item);
        } catch (URISyntaxException e) {
            throw new FormatException(where + " is not a valid URL: " + e.getMessage(), e);
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw new FormatException(where + " (\"" + item + "\") must be an http:// or https:// URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new FormatException(where + " (\"" + item + "\") has no host");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new FormatException(where + " (\"" + item + "\") must not have a query or fragment:"
                    + " module paths are appended to it");
        }
        if (uri.getRawUserInfo() != null) {
            throw new FormatException(where + " (\"" + item + "\") must not carry credentials in the URL");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String authority = uri.getRawAuthority();
        return URI.create(scheme.toLowerCase(java.util.Locale.ROOT) + "://" + authority + path);
    }
}
