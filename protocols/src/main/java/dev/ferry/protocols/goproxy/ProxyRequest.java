package dev.ferry.protocols.goproxy;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;

/**
 * One GOPROXY protocol request, parsed from the raw (still percent-encoded) URL path:
 * {@code /$module/@v/list}, {@code /$module/@v/$version.info|.mod|.zip}, {@code /$module/@latest}.
 * STUB: the protocols work fills in parse(): rejects percent-encoding, "..", empty or overlong paths,
 * non-canonical versions on .info/.mod/.zip? (no: the go command asks .info for non-canonical queries such as
 * branch names; only .mod and .zip require canonical), module/version mismatches of the major suffix.
 */
public sealed interface ProxyRequest {
    ModulePath module();

    record List(ModulePath module) implements ProxyRequest {}

    record Latest(ModulePath module) implements ProxyRequest {}

    record Info(ModulePath module, Version version) implements ProxyRequest {}

    record Mod(ModulePath module, Version version) implements ProxyRequest {}

    record Zip(ModulePath module, Version version) implements ProxyRequest {}

    /** The escaped upstream path this request asks for, e.g. {@code github.com/!burnt!sushi/toml/@v/v1.2.0.zip}. */
    default String upstreamPath() {
        throw new UnsupportedOperationException("todo");
    }

    /** Parses a raw request path (starting with '/'); throws with a message fit for a 400/404 body. */
    static ProxyRequest parse(String rawPath) throws FormatException {
        throw new UnsupportedOperationException("todo");
    }
}
