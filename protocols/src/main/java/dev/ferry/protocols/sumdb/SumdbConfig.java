package dev.ferry.protocols.sumdb;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.note.Verifier;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/** A GOSUMDB setting: checking off, or a database name, its verifier key and optionally the URL to reach it at. */
public sealed interface SumdbConfig {
    /** The key the go command builds in for sum.golang.org. */
    String SUM_GOLANG_ORG_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

    /** {@code GOSUMDB=off}: no checksum database. */
    record Off() implements SumdbConfig {}

    /**
     * A database to check against. {@code url} is the explicit URL from the setting; without it the go command uses
     * {@code https://<name>} or, when a proxy says it supports it, {@code <proxy>/sumdb/<name>}.
     */
    record Database(String name, Verifier verifier, Optional<URI> url) implements SumdbConfig {
        public Database {
            if (!name.equals(verifier.name())) {
                throw new FormatException("database name " + quote(name) + " differs from its key's name");
            }
        }

        /** {@code url} if given, else {@code https://<name>}. */
        public URI directUrl() {
            return url.orElseGet(() -> URI.create("https://" + name));
        }
    }

    /**
     * The go command's GOSUMDB forms (modfetch dbDial), whitespace-separated fields:
     * <ul>
     * <li>{@code off};</li>
     * <li>{@code sum.golang.org} (the built-in key {@link #SUM_GOLANG_ORG_KEY}), optionally followed by a URL;</li>
     * <li>{@code sum.golang.google.cn}: sum.golang.org's key and name, at {@code https://sum.golang.google.cn};</li>
     * <li>{@code name+hash+key}, optionally followed by a URL.</li>
     * </ul>
     * Empty and more than two fields are refused. The key must pass {@link Verifier#parse}; its name must be
     * {@code host[:port][/path]} with no trailing slash (the go command's "no funny business" rule, here as a
     * grammar). The URL must be absolute http or https with a host and no query, fragment or user info (stricter
     * than Go's url.Parse, which accepts nearly anything and fails later).
     */
    static SumdbConfig parse(String gosumdb) throws FormatException {
        if (gosumdb == null || gosumdb.isBlank()) {
            throw new FormatException("missing GOSUMDB");
        }
        String trimmed = gosumdb.strip();
        if (trimmed.equals("off")) {
            return new Off();
        }
        if (trimmed.equals("sum.golang.google.cn")) {
            trimmed = "sum.golang.org https://sum.golang.google.cn";
        }
        String[] f = trimmed.split("\\s+");
        if (f.length > 2) {
            throw new FormatException("invalid GOSUMDB " + quote(gosumdb) + ": too many fields");
        }
        String key = f[0].equals("sum.golang.org") ? SUM_GOLANG_ORG_KEY : f[0];
        Verifier v;
        try {
            v = Verifier.parse(key);
        } catch (FormatException e) {
            throw new FormatException("invalid GOSUMDB: " + e.getMessage(), e);
        }
        if (!isValidName(v.name())) {
            throw new FormatException("invalid sumdb name " + quote(v.name()) + " (must be host[/path])");
        }
        Optional<URI> url = Optional.empty();
        if (f.length == 2) {
            url = Optional.of(parseUrl(f[1]));
        }
        return new Database(v.name(), v, url);
    }

    /**
     * Whether {@code name} is a database name: {@code host[:port][/path]} with the characters a Go URL keeps
     * unescaped in such a name, and no element made of dots only. The name becomes part of store keys and of the
     * paths a plain export writes ({@code sumdb/<name>/...}), so {@code .} and {@code ..} must never be one.
     */
    static boolean isValidName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~-]+)*")) {
            return false;
        }
        for (String element : name.split("[/:]")) {
            if (element.matches("\\.+")) {
                return false;
            }
        }
        return true;
    }

    private static URI parseUrl(String s) {
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            throw new FormatException("invalid GOSUMDB URL " + quote(s) + ": " + e.getReason());
        }
        String scheme = u.getScheme();
        if (scheme == null
                || !(scheme.equals("https") || scheme.equals("http"))
                || u.getHost() == null
                || u.getRawQuery() != null
                || u.getRawFragment() != null
                || u.getRawUserInfo() != null) {
            throw new FormatException("invalid GOSUMDB URL " + quote(s)
                    + ": want http(s)://host[:port][/path] without query, fragment or user info");
        }
        return u;
    }
}
