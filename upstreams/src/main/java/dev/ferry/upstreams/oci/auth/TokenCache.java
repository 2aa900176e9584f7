package dev.ferry.upstreams.oci.auth;

import dev.ferry.upstreams.pool.Upstream;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The tokens realms gave, by endpoint, realm, service and the scope ferry asked for, until shortly before they expire. */
final class TokenCache {
    private record Key(String endpoint, String realm, String service, String scope) {
        static Key of(Upstream endpoint, AuthChallenge c, String scope) {
            return new Key(endpoint.name(), c.param("realm"), c.param("service"), scope);
        }
    }

    private final Map<Key, Token> tokens = new ConcurrentHashMap<>();
    private final Clock clock;

    TokenCache(Clock clock) {
        this.clock = clock;
    }

    /** The Authorization of a token still usable for {@code scope} at {@code endpoint}, or null (an expired one is dropped). */
    String authorization(Upstream endpoint, AuthChallenge challenge, String scope) {
        Key key = Key.of(endpoint, challenge, scope);
        Token token = tokens.get(key);
        if (token == null) {
            return null;
        }
        if (!clock.instant().isBefore(token.usableUntil())) {
            tokens.remove(key, token);
            return null;
        }
        return token.authorization();
    }

    void put(Upstream endpoint, AuthChallenge challenge, String scope, Token token) {
        tokens.put(Key.of(endpoint, challenge, scope), token);
    }

    void forget(Upstream endpoint, AuthChallenge challenge, String scope) {
        tokens.remove(Key.of(endpoint, challenge, scope));
    }
}
