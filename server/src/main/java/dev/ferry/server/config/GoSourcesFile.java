package dev.ferry.server.config;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.protocols.yaml.Located;
import dev.ferry.upstreams.goproxy.GoProxyList;
import dev.ferry.upstreams.vcs.VcsCredential;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The config file's lists about module sources: go.privateRoutes and go.direct.credentials. */
record GoSourcesFile(List<GoSources.Route> routes, List<VcsCredential> credentials) {
    static final GoSourcesFile NONE = new GoSourcesFile(List.of(), List.of());

    /** {@code {pattern: "git.corp.example/*", upstream: "direct"}} */
    record Route(
            String pattern, String upstream, @JsonAnySetter Map<String, Located<Object>> unknown) {}

    /** {@code {host: git.corp.example, username: ci, password: "${GIT_TOKEN}"}} */
    record Credential(
            String host,
            String username,
            String password,
            @JsonAnySetter Map<String, Located<Object>> unknown) {}

    static GoSourcesFile read(ConfigFile.GoGroup go, Path file, Map<String, String> env) throws ConfigException {
        if (go == null) {
            return NONE;
        }
        List<GoSources.Route> routes = new ArrayList<>();
        for (Located<Route> item : go.privateRoutes() == null ? List.<Located<Route>>of() : go.privateRoutes()) {
            String at = ConfigFile.where(file, item.line());
            Route r = item.value();
            if (r == null || r.pattern() == null || r.upstream() == null) {
                throw new ConfigException(at + ": each item of go.privateRoutes needs pattern and upstream");
            }
            ConfigFile.refuseUnknown(r.unknown(), "go.privateRoutes", Route.class, file);
            try {
                PrivatePatterns pattern = PrivatePatterns.parse(r.pattern());
                if (pattern.isEmpty()) {
                    throw new IllegalArgumentException("empty pattern");
                }
                routes.add(new GoSources.Route(
                        pattern, GoProxyList.parse(r.upstream().strip())));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(at + ": go.privateRoutes: " + e.getMessage());
            }
        }
        List<VcsCredential> credentials = new ArrayList<>();
        ConfigFile.DirectGroup direct = go.direct();
        for (Located<Credential> item : direct == null || direct.credentials() == null
                ? List.<Located<Credential>>of()
                : direct.credentials()) {
            String at = ConfigFile.where(file, item.line());
            Credential c = item.value();
            if (c == null) {
                throw new ConfigException(at + ": each item of go.direct.credentials needs host, username, password");
            }
            ConfigFile.refuseUnknown(c.unknown(), "go.direct.credentials", Credential.class, file);
            try {
                credentials.add(new VcsCredential(
                        EnvReferences.expand(c.host(), env, at, "host"),
                        EnvReferences.expand(c.username(), env, at, "username"),
                        EnvReferences.expand(c.password(), env, at, "password")));
            } catch (IllegalArgumentException e) {
                // VcsCredential's messages never hold the password
                throw new ConfigException(at + ": go.direct.credentials: " + e.getMessage());
            }
        }
        return new GoSourcesFile(routes, credentials);
    }
}
