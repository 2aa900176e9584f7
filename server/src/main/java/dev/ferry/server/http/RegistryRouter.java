package dev.ferry.server.http;

import dev.ferry.mirror.oci.OciRepositories;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.OciFormatException;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.server.hosted.HostedRepositories;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides which registry target answers a {@code /v2/<name>/...} request, and under which name. In order:
 * <ol>
 *   <li>{@code ?ns=NAME} (containerd names the registry it wants mirrored): a configured registry gets the name
 *       as given; any other NAME is NAME_UNKNOWN, so a client can never make ferry dial a host;</li>
 *   <li>a first path component that is a configured registry's name ({@code /v2/ghcr.io/org/app/...}, as
 *       podman's mirror locations and Harbor users write it): that registry, with the rest of the name;</li>
 *   <li>a name that is a hosted prefix or lies under one: the hosted repositories, name as given;</li>
 *   <li>the default registry (Docker's {@code registry-mirrors}), name as given;</li>
 *   <li>else NAME_UNKNOWN.</li>
 * </ol>
 * docker.io knows one-element names as {@code library/NAME}; every way into docker.io adds that prefix.
 */
final class RegistryRouter {
    static final String DOCKER_HUB = "docker.io";

    /** Where a request goes. */
    sealed interface Route {
        /** A mirrored registry; {@code name} is the registry's own name for the repository. */
        record Mirrored(String registry, OciRepositories target, RepositoryName name) implements Route {}

        /** The hosted repositories. */
        record Hosted(HostedRepositories target, RepositoryName name) implements Route {}

        /** Nothing serves the name: the error to answer with. */
        record Refused(OciErrorCode code, String message) implements Route {}
    }

    private final Map<String, OciRepositories> mirrors;
    private final HostedRepositories hosted;
    private final List<String> hostedPrefixes;
    private final String defaultRegistry;

    /**
     * @param mirrors         the mirrored registries by name
     * @param hosted          the hosted repositories, or null when none are configured
     * @param hostedPrefixes  repository-name prefixes that are hosted
     * @param defaultRegistry a key of {@code mirrors}, or null
     */
    RegistryRouter(
            Map<String, ? extends OciRepositories> mirrors,
            HostedRepositories hosted,
            List<String> hostedPrefixes,
            String defaultRegistry) {
        this.mirrors = Map.copyOf(new LinkedHashMap<>(mirrors));
        this.hosted = hosted;
        this.hostedPrefixes = List.copyOf(hostedPrefixes);
        if (defaultRegistry != null && !mirrors.containsKey(defaultRegistry)) {
            throw new IllegalArgumentException("default registry " + defaultRegistry + " is not configured");
        }
        this.defaultRegistry = defaultRegistry;
    }

    /** @param ns the {@code ns} query parameter, or null */
    Route resolve(RepositoryName name, String ns) {
        if (ns != null) {
            OciRepositories target = mirrors.get(ns);
            if (target == null) {
                return new Route.Refused(
                        OciErrorCode.NAME_UNKNOWN,
                        "registry " + quoted(ns) + " (from ?ns=) is not mirrored by this ferry; configured: "
                                + configured());
            }
            return mirrored(ns, target, name);
        }
        OciRepositories byPrefix = mirrors.get(name.first());
        if (byPrefix != null) {
            RepositoryName rest = name.withoutFirst();
            if (rest == null) {
                return new Route.Refused(
                        OciErrorCode.NAME_UNKNOWN,
                        name + " is a registry; name a repository in it," + " such as " + name + "/library/alpine");
            }
            return mirrored(name.first(), byPrefix, rest);
        }
        if (isHosted(name)) {
            return new Route.Hosted(hosted, name);
        }
        if (defaultRegistry != null) {
            return mirrored(defaultRegistry, mirrors.get(defaultRegistry), name);
        }
        return new Route.Refused(
                OciErrorCode.NAME_UNKNOWN,
                "repository " + name + " is in no hosted prefix and no"
                        + " default registry is configured; prefix it with a registry name (" + configured() + ")");
    }

    /** Whether {@code name} is hosted (when hosting is on at all). */
    boolean isHosted(RepositoryName name) {
        if (hosted == null) {
            return false;
        }
        for (String prefix : hostedPrefixes) {
            if (name.isUnder(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static Route mirrored(String registry, OciRepositories target, RepositoryName name) {
        if (DOCKER_HUB.equals(registry) && name.withoutFirst() == null) {
            try {
                return new Route.Mirrored(registry, target, RepositoryName.parse("library/" + name));
            } catch (OciFormatException e) {
                return new Route.Refused(OciErrorCode.NAME_INVALID, "library/" + name + ": " + e.getMessage());
            }
        }
        return new Route.Mirrored(registry, target, name);
    }

    /**
     * Every repository for {@code /v2/_catalog}, in lexical order: mirrored ones as {@code <registry>/<repo>},
     * hosted ones as they are named (only when {@code withHosted}).
     */
    List<String> catalog(boolean withHosted) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, OciRepositories> e : mirrors.entrySet()) {
            for (RepositoryName r : e.getValue().repositories()) {
                out.add(e.getKey() + "/" + r);
            }
        }
        if (withHosted && hosted != null) {
            for (RepositoryName r : hosted.repositories()) {
                out.add(r.value());
            }
        }
        out.sort(null);
        return out;
    }

    boolean hasHosted() {
        return hosted != null;
    }

    /** What a client whose push was refused (the name is mirrored) can push to instead. */
    String whereToPush() {
        if (hosted == null || hostedPrefixes.isEmpty()) {
            return "this ferry hosts no repositories (ferry serve --hosted PREFIX lets clients push under PREFIX/)";
        }
        return "push to "
                + String.join(
                        " or ", hostedPrefixes.stream().map(p -> p + "/...").toList())
                + " instead (" + (hostedPrefixes.size() == 1 ? "the hosted prefix" : "the hosted prefixes")
                + " of this ferry)";
    }

    private String configured() {
        return mirrors.isEmpty()
                ? "none"
                : String.join(", ", mirrors.keySet().stream().sorted().toList());
    }

    /** Echoes client text into a message only in a harmless form. */
    private static String quoted(String text) {
        String t = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return '"' + t.replaceAll("[^\\x20-\\x7e]", "?") + '"';
    }
}
