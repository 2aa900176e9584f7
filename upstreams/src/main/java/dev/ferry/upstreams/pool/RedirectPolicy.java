package dev.ferry.upstreams.pool;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where an upstream may send ferry: the targets of its redirects, and the token realm its credentials may go to.
 *
 * <p>A redirect to a loopback, link-local (169.254.0.0/16, the cloud metadata address among them), private
 * (10/8, 172.16/12, 192.168/16, fc00::/7), unspecified or multicast address turns an upstream into a way to reach
 * what only ferry's host can reach, so it is refused unless {@code allowPrivate}. A redirect to the configured
 * upstream's own host is always followed: an upstream on a private or loopback address is the operator's explicit
 * choice (a site-internal proxy, a test server), and so is where it sends ferry on that same host. Registries'
 * redirects to object stores on public hosts are unaffected.
 *
 * <p>Credentials configured for an upstream go to a token realm only on that upstream's host or on one of
 * {@code realmHosts} (Docker Hub's auth.docker.io, for one): a realm elsewhere gets no credentials and the token
 * request is anonymous.
 *
 * @param allowPrivate follow redirects to any address
 * @param realmHosts   hosts besides each upstream's own that may receive its credentials at a token realm
 */
public record RedirectPolicy(boolean allowPrivate, List<String> realmHosts) {
    public RedirectPolicy {
        realmHosts =
                realmHosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).toList();
    }

    /** Private targets refused; credentials only to the upstream's own host and Docker Hub's token service. */
    public static RedirectPolicy defaults() {
        return new RedirectPolicy(false, List.of("auth.docker.io"));
    }

    /** Why a redirect of {@code upstream}'s to {@code target} is not followed, or empty when it is. */
    public Optional<String> refusal(URI upstream, URI target) {
        String host = target.getHost();
        if (host == null || sameHost(upstream, target) || allowPrivate) {
            return Optional.empty();
        }
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare);
        } catch (UnknownHostException | SecurityException e) {
            // Nothing to reach: the request itself fails to connect, as any unknown host does.
            return Optional.empty();
        }
        for (InetAddress a : addresses) {
            if (local(a)) {
                return Optional.of("redirect to " + host + " refused: it is a loopback, link-local or private address"
                        + " (upstream.allowPrivateRedirects allows it)");
            }
        }
        return Optional.empty();
    }

    /** Why a token realm at {@code realm} is not asked, as {@link #refusal}; a configured realm host always is. */
    public Optional<String> realmRefusal(URI upstream, URI realm) {
        if (realm.getHost() != null && realmHosts.contains(realm.getHost().toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        return refusal(upstream, realm);
    }

    /** Whether {@code upstream}'s credentials may go to a token realm at {@code realm}. */
    public boolean credentialsMayGo(URI upstream, URI realm) {
        return realm.getHost() != null
                && (sameHost(upstream, realm)
                        || realmHosts.contains(realm.getHost().toLowerCase(Locale.ROOT)));
    }

    private static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && b.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost());
    }

    static boolean local(InetAddress a) {
        if (a.isLoopbackAddress()
                || a.isLinkLocalAddress()
                || a.isSiteLocalAddress()
                || a.isAnyLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        // IPv6 unique local addresses (fc00::/7), which isSiteLocalAddress does not cover; 100.64/10 (carrier NAT).
        return (b.length == 16 && (b[0] & 0xfe) == 0xfc)
                || (b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64);
    }
}
