package dev.ferry.upstreams.vcs;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The go command line and environment for one fetch, built only from a parsed {@link ModulePath} and
 * {@link Version} and the configuration: never from a client's raw text, and never with a credential in either
 * (credentials reach git and the go command through the sandbox's netrc and git config only).
 *
 * <p>The environment is built from nothing (the server's own environment is not inherited), so that nothing of
 * ferry's (its admin token in FERRY_*, a developer's GOFLAGS or GOPROXY) reaches the go command or git.
 */
record DirectCommand(List<String> argv, Map<String, String> environment) {
    DirectCommand {
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
    }

    /** {@code go mod download -json M@V}: the version's .info, .mod and .zip in the sandbox's module cache. */
    static DirectCommand download(DirectSettings s, Sandbox box, ModulePath module, Version version) {
        return new DirectCommand(
                List.of(go(s), "mod", "download", "-json", argument(module.value() + "@" + version)),
                environment(s, box));
    }

    /** {@code go list -m -versions -json M}: the tagged versions, as the origin's tags name them. */
    static DirectCommand versions(DirectSettings s, Sandbox box, ModulePath module) {
        return new DirectCommand(
                List.of(go(s), "list", "-m", "-versions", "-json", argument(module.value())), environment(s, box));
    }

    /** {@code go list -m -json M@latest}: the latest version (a pseudo-version when nothing is tagged). */
    static DirectCommand latest(DirectSettings s, Sandbox box, ModulePath module) {
        return new DirectCommand(
                List.of(go(s), "list", "-m", "-json", argument(module.value() + "@latest")), environment(s, box));
    }

    private static String go(DirectSettings s) {
        if (s.goCommand() == null) {
            throw new IllegalStateException("no go command");
        }
        return s.goCommand().toString();
    }

    /**
     * A module path and version cannot start with '-' or hold spaces (their grammars say so); checked again here
     * because this is where a mistake would turn into an option of the go command.
     */
    static String argument(String text) {
        if (text.isEmpty() || text.startsWith("-") || !text.matches("[A-Za-z0-9._~/@+!-]+")) {
            throw new IllegalArgumentException("not a module argument: " + text);
        }
        return text;
    }

    static Map<String, String> environment(DirectSettings s, Sandbox box) {
        Map<String, String> env = new LinkedHashMap<>();
        String goBin = s.goCommand() == null ? "" : s.goCommand().getParent() + ":";
        env.put("PATH", goBin + "/usr/local/bin:/usr/bin:/bin");
        env.put("LC_ALL", "C");
        env.put("HOME", box.home().toString());
        env.put("GOENV", "off");
        env.put("GOPATH", box.gopath().toString());
        env.put("GOMODCACHE", box.modcache().toString());
        env.put("GOCACHE", box.gocache().toString());
        env.put("GO111MODULE", "on");
        env.put("GOWORK", "off");
        env.put("GOTOOLCHAIN", "local");
        env.put("GOFLAGS", "-modcacherw");
        env.put("GOPROXY", "direct");
        // ferry verifies and pins what it stores; the go command must not reach out to a checksum database
        env.put("GOSUMDB", "off");
        env.put("GONOSUMDB", "");
        env.put("GOPRIVATE", "");
        env.put("GOVCS", "*:git");
        env.put("GOINSECURE", s.insecureHosts().toString());
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GCM_INTERACTIVE", "never");
        env.put("GIT_ASKPASS", "");
        env.put("SSH_ASKPASS", "");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", box.gitconfig().toString());
        env.put("GIT_ALLOW_PROTOCOL", String.join(":", protocols(s)));
        if (s.sshKey() != null) {
            List<String> ssh = new ArrayList<>(List.of(
                    "ssh",
                    "-F",
                    "/dev/null",
                    "-o",
                    "BatchMode=yes",
                    "-o",
                    "IdentitiesOnly=yes",
                    "-o",
                    "StrictHostKeyChecking=yes",
                    "-i",
                    s.sshKey().toString()));
            if (s.sshKnownHosts() != null) {
                ssh.addAll(List.of("-o", "UserKnownHostsFile=" + s.sshKnownHosts()));
            }
            env.put("GIT_SSH_COMMAND", String.join(" ", ssh));
        }
        env.putAll(s.proxyEnvironment());
        return env;
    }

    /** https always; http only for GOINSECURE hosts; ssh only with a key. */
    static List<String> protocols(DirectSettings s) {
        List<String> out = new ArrayList<>(List.of("https"));
        if (!s.insecureHosts().isEmpty()) {
            out.add("http");
        }
        if (s.sshKey() != null) {
            out.add("ssh");
        }
        return out;
    }

    /**
     * git's global config for the sandbox: hooks off, only the allowed protocols, no credential helper but the
     * configured store file.
     */
    static String gitconfig(DirectSettings s) {
        StringBuilder g = new StringBuilder();
        g.append("[core]\n\thooksPath = /dev/null\n\tfsmonitor = false\n");
        g.append("[protocol]\n\tallow = never\n");
        for (String p : protocols(s)) {
            g.append("[protocol \"").append(p).append("\"]\n\tallow = always\n");
        }
        g.append("[credential]\n\thelper =\n");
        if (s.gitCredentialsFile() != null) {
            g.append("\thelper = \"store --file=")
                    .append(quoted(s.gitCredentialsFile().toString()))
                    .append("\"\n");
        }
        return g.toString();
    }

    private static String quoted(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
