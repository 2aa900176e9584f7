package dev.ferry.upstreams.pool;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * How ferry authenticates to one upstream. {@code toString()} never shows the secret, because upstream
 * descriptions end up in logs, error messages and the admin API.
 */
public sealed interface Credentials {
    Credentials NONE = new None();

    /** The Authorization header value, if any. */
    Optional<String> authorization();

    /** "none", "basic" or "bearer": what the admin API may say about it. */
    String kind();

    record None() implements Credentials {
        @Override
        public Optional<String> authorization() {
            return Optional.empty();
        }

        @Override
        public String kind() {
            return "none";
        }
    }

    record Basic(String user, String password) implements Credentials {
        @Override
        public Optional<String> authorization() {
            String pair = user + ":" + password;
            return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public String kind() {
            return "basic";
        }

        @Override
        public String toString() {
            return "Basic[user=" + user + ", password=***]";
        }
    }

    record Bearer(String token) implements Credentials {
        @Override
        public Optional<String> authorization() {
            return Optional.of("Bearer " + token);
        }

        @Override
        public String kind() {
            return "bearer";
        }

        @Override
        public String toString() {
            return "Bearer[***]";
        }
    }
}
