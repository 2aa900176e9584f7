package dev.ferry.upstreams.vcs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How ferry runs the go command against version control.
 *
 * @param goCommand          the go executable (absolute), or null when none was found: every fetch then fails
 *                           with a message that says so
 * @param sandboxes          the directory under which each fetch gets its own sandbox, deleted afterwards
 * @param hosts              module path hosts that may be fetched from their origin; any other is refused with no
 *                           process started
 * @param insecureHosts      hosts that may be reached over plain http (GOINSECURE); none by default
 * @param concurrency        go commands running at once; a fetch beyond them waits up to {@code timeout}
 * @param timeout            how long one go command may run before it and its children are killed
 * @param credentials        per-host user and password for the sandbox's netrc
 * @param netrcFile          a mounted netrc copied into each sandbox, or null
 * @param gitCredentialsFile a mounted git-credentials file (git's "store" helper format), or null
 * @param sshKey             a private key for ssh:// origins (ssh is allowed only with one), or null
 * @param sshKnownHosts      the known_hosts file the ssh host keys are checked against, or null for ssh's default
 * @param proxyEnvironment   http_proxy, https_proxy and no_proxy as the site's outbound settings give them
 */
public record DirectSettings(
        Path goCommand,
        Path sandboxes,
        HostPatterns hosts,
        HostPatterns insecureHosts,
        int concurrency,
        Duration timeout,
        List<VcsCredential> credentials,
        Path netrcFile,
        Path gitCredentialsFile,
        Path sshKey,
        Path sshKnownHosts,
        Map<String, String> proxyEnvironment) {
    public DirectSettings {
        credentials = List.copyOf(credentials);
        proxyEnvironment = Map.copyOf(proxyEnvironment);
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /** Defaults around the two things a fetch cannot do without. */
    public static DirectSettings of(Path goCommand, Path sandboxes, HostPatterns hosts) {
        return new DirectSettings(
                goCommand,
                sandboxes,
                hosts,
                HostPatterns.none(),
                2,
                Duration.ofMinutes(5),
                List.of(),
                null,
                null,
                null,
                null,
                Map.of());
    }

    public DirectSettings withInsecureHosts(HostPatterns insecure) {
        return new DirectSettings(
                goCommand,
                sandboxes,
                hosts,
                insecure,
                concurrency,
                timeout,
                credentials,
                netrcFile,
                gitCredentialsFile,
                sshKey,
                sshKnownHosts,
                proxyEnvironment);
    }

    public DirectSettings withLimits(int concurrency, Duration timeout) {
        return new DirectSettings(
                goCommand,
                sandboxes,
                hosts,
                insecureHosts,
                concurrency,
                timeout,
                credentials,
                netrcFile,
                gitCredentialsFile,
                sshKey,
                sshKnownHosts,
                proxyEnvironment);
    }

    public DirectSettings withCredentials(List<VcsCredential> credentials, Path netrcFile, Path gitCredentialsFile) {
        return new DirectSettings(
                goCommand,
                sandboxes,
                hosts,
                insecureHosts,
                concurrency,
                timeout,
                credentials,
                netrcFile,
                gitCredentialsFile,
                sshKey,
                sshKnownHosts,
                proxyEnvironment);
    }

    public DirectSettings withSsh(Path sshKey, Path sshKnownHosts) {
        return new DirectSettings(
                goCommand,
                sandboxes,
                hosts,
                insecureHosts,
                concurrency,
                timeout,
                credentials,
                netrcFile,
                gitCredentialsFile,
                sshKey,
                sshKnownHosts,
                proxyEnvironment);
    }

    /** The go executable on {@code pathVariable} (PATH's syntax), or null. */
    public static Path findOnPath(String command, String pathVariable) {
        if (command.contains("/")) {
            Path p = Path.of(command).toAbsolutePath();
            return java.nio.file.Files.isExecutable(p) ? p : null;
        }
        for (String dir : (pathVariable == null ? "" : pathVariable).split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, command);
            if (java.nio.file.Files.isExecutable(p)) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }
}
