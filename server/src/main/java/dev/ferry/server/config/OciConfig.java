package dev.ferry.server.config;

import dev.ferry.server.registryauth.RegistryUsers;
import java.time.Duration;
import java.util.List;

/**
 * The registry side of {@code ferry serve}, validated: the mirrored registries (in the order they were
 * configured), the default registry, the hosted prefixes and how hosted repositories behave.
 *
 * @param registries      the mirrored upstream registries; names are unique
 * @param defaultRegistry the registry names fall to when nothing else routes them, or null for none
 * @param hosted          repository-name prefixes that are hosted (a name is hosted when it is a prefix or lies under one)
 * @param users           who may push (and pull, unless anonymous pull is on); {@link RegistryUsers#NONE} when no file is set
 */
public record OciConfig(
        List<RegistryConfig> registries,
        String defaultRegistry,
        List<String> hosted,
        Duration tagTtl,
        long maxUploadSize,
        Duration uploadExpiry,
        boolean deleteEnabled,
        boolean anonymousPull,
        RegistryUsers users) {

    public OciConfig {
        registries = List.copyOf(registries);
        hosted = List.copyOf(hosted);
    }

    /** No registries, nothing hosted: /v2/ answers NAME_UNKNOWN for every repository. */
    public static OciConfig none() {
        return new OciConfig(
                List.of(),
                null,
                List.of(),
                Duration.ofMinutes(5),
                10L << 30,
                Duration.ofHours(24),
                false,
                false,
                RegistryUsers.NONE);
    }

    @Override
    public String toString() {
        // Never credentials: registries print their endpoints only.
        return "OciConfig[registries="
                + registries.stream().map(RegistryConfig::toString).toList() + ", default=" + defaultRegistry
                + ", hosted=" + hosted + "]";
    }
}
