package dev.ferry.server.cli;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.server.admin.SigningKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry keys}: the site's bundle signing key, on the local data directory (no server needed). The private
 * key stays in DATA/bundle-signing.key; the verifier key ({@code name+hash+base64}, the form GOSUMDB keys have) is
 * what importing sites trust.
 */
@Command(name = "keys",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {"Generate or show this site's bundle signing key (docs/bundles.md).",
                "Works on the data directory directly: run it where the exporting ferry's data directory is."},
        subcommands = {KeysCommand.Generate.class, KeysCommand.Public.class})
public final class KeysCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** --data, else FERRY_DATA, else ./ferry-data: the default ferry serve uses. */
    static Path dataDir(Path given, CliContext ctx) {
        if (given != null) {
            return given.toAbsolutePath().normalize();
        }
        String env = ctx.env().get("FERRY_DATA");
        return Path.of(env != null && !env.isBlank() ? env.strip() : "ferry-data").toAbsolutePath().normalize();
    }

    /** The short host name, as a key name: "ferry-" and the host's first label, or "ferry-site". */
    static String defaultName(CliContext ctx) {
        String host = null;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            // no resolvable host name: HOSTNAME, then a fixed name
        }
        if (host == null || host.isBlank() || host.equals("localhost")) {
            host = ctx.env().getOrDefault("HOSTNAME", "site");
        }
        int dot = host.indexOf('.');
        String shortName = (dot > 0 ? host.substring(0, dot) : host).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]", "-");
        return "ferry-" + (shortName.isEmpty() ? "site" : shortName);
    }

    @Command(name = "generate",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {"Generate the site's Ed25519 bundle signing key into DIR/bundle-signing.key (mode 0600) and print",
                    "its verifier key, which importing sites trust (ferry serve --trust-key KEY, ferry import --trust KEY).",
                    "A running server signs its next export with it. Exit 0 done, 1 a key exists (without --force) or",
                    "the file cannot be written, 2 usage error."})
    public static final class Generate implements Callable<Integer> {
        private final CliContext ctx;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--name", paramLabel = "NAME",
                description = "The key's name, shown in signatures (default: ferry-<short host name>).")
        String name;

        @Option(names = "--data", paramLabel = "DIR",
                description = "The exporting server's data directory (default: env FERRY_DATA, else ./ferry-data).")
        Path data;

        @Option(names = "--force", description = "Replace an existing key (sites trusting the old one need the new one).")
        boolean force;

        public Generate(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String keyName = name != null ? name.strip() : defaultName(ctx);
            Signer signer;
            try {
                signer = Signer.generate(keyName);
            } catch (FormatException e) {
                err.println("ferry: --name: " + e.getMessage() + " (no '+', spaces or control characters)");
                err.flush();
                return 2;
            }
            Path file = dataDir(data, ctx).resolve(SigningKey.FILE);
            try {
                SigningKey.write(file, signer, force);
            } catch (FileAlreadyExistsException e) {
                String existing;
                try {
                    existing = SigningKey.read(file).map(s -> "key " + s.verifier().encoded()).orElse("a key");
                } catch (IOException damaged) {
                    existing = "a damaged key";
                }
                err.println("ferry: " + file + " already holds " + existing + "; --force replaces it (sites that"
                        + " trust the old key must then be given the new one)");
                err.flush();
                return 1;
            } catch (IOException e) {
                err.println("ferry: cannot write " + file + ": " + e.getMessage());
                err.flush();
                return 1;
            }
            out.println("wrote the private signing key to " + file + " (mode 0600; it stays with this server)");
            out.println("verifier key, for the importing sites (ferry serve --trust-key KEY, or ferry import --trust KEY):");
            out.println(signer.verifier().encoded());
            out.flush();
            return 0;
        }
    }

    @Command(name = "public",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = "Print the verifier key of the site's signing key (what importing sites trust).")
    public static final class Public implements Callable<Integer> {
        private final CliContext ctx;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--data", paramLabel = "DIR",
                description = "The exporting server's data directory (default: env FERRY_DATA, else ./ferry-data).")
        Path data;

        public Public(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            Path file = dataDir(data, ctx).resolve(SigningKey.FILE);
            Optional<Signer> signer;
            try {
                signer = SigningKey.read(file);
            } catch (IOException e) {
                err.println("ferry: " + e.getMessage());
                err.flush();
                return 1;
            }
            if (signer.isEmpty()) {
                err.println("ferry: no signing key in " + file + " (ferry keys generate makes one; --data DIR)");
                err.flush();
                return 1;
            }
            spec.commandLine().getOut().println(signer.get().verifier().encoded());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
