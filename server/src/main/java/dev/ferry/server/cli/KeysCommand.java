package dev.ferry.server.cli;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.server.admin.SigningKey;
import dev.ferry.server.config.TrustedKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
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
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "Generate, show and sign with the site's bundle signing key; verify signed files.",
            "The key signs bundles (docs/bundles.md) and files such as an installer or image carried to another",
            "site, which checks them there with 'ferry keys verify' (docs/install.md).",
            "Works on the data directory directly: run it where the exporting ferry's data directory is."
        },
        subcommands = {
            KeysCommand.Generate.class,
            KeysCommand.Public.class,
            KeysCommand.Sign.class,
            KeysCommand.Verify.class
        })
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
        return Path.of(env != null && !env.isBlank() ? env.strip() : "ferry-data")
                .toAbsolutePath()
                .normalize();
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
        String shortName = (dot > 0 ? host.substring(0, dot) : host)
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]", "-");
        return "ferry-" + (shortName.isEmpty() ? "site" : shortName);
    }

    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Generate the site's Ed25519 bundle signing key into DIR/bundle-signing.key (mode 0600) and print",
                "its verifier key, which importing sites trust (ferry serve --trust-key KEY, ferry import --trust KEY).",
                "A running server signs its next export with it. Exit 0 done, 1 a key exists (without --force) or",
                "the file cannot be written, 2 usage error."
            })
    public static final class Generate implements Callable<Integer> {
        private final CliContext ctx;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--name",
                paramLabel = "NAME",
                description = "The key's name, shown in signatures (default: ferry-<short host name>).")
        String name;

        @Option(
                names = "--data",
                paramLabel = "DIR",
                description = "The exporting server's data directory (default: env FERRY_DATA, else ./ferry-data).")
        Path data;

        @Option(
                names = "--force",
                description = "Replace an existing key (sites trusting the old one need the new one).")
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
                    existing = SigningKey.read(file)
                            .map(s -> "key " + s.verifier().encoded())
                            .orElse("a key");
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
            out.println(
                    "verifier key, for the importing sites (ferry serve --trust-key KEY, or ferry import --trust KEY):");
            out.println(signer.verifier().encoded());
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "public",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = "Print the verifier key of the site's signing key (what importing sites trust).")
    public static final class Public implements Callable<Integer> {
        private final CliContext ctx;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--data",
                paramLabel = "DIR",
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

    /** The signed text of a file's signature: what it is, its SHA-256 and the name it was signed under. */
    static String signedText(String sha256Hex, String fileName) {
        return FILE_SIGNATURE + "\nsha256 " + sha256Hex + " " + fileName + "\n";
    }

    static final String FILE_SIGNATURE = "ferry file signature";

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Command(
            name = "sign",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Sign files with the site's bundle signing key: FILE.sig beside each FILE, a signed note of its",
                "SHA-256. A site that trusts the key checks it with 'ferry keys verify --trust KEY FILE'.",
                "Exit 0 signed, 1 no key or a file unreadable, 2 usage error."
            })
    public static final class Sign implements Callable<Integer> {
        private final CliContext ctx;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--data",
                paramLabel = "DIR",
                description = "The data directory holding the key (default: env FERRY_DATA, else ./ferry-data).")
        Path data;

        @CommandLine.Parameters(paramLabel = "FILE", arity = "1..*", description = "Files to sign.")
        List<Path> files;

        public Sign(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path keyFile = dataDir(data, ctx).resolve(SigningKey.FILE);
            try {
                Optional<Signer> signer = SigningKey.read(keyFile);
                if (signer.isEmpty()) {
                    err.println("ferry: no signing key in " + keyFile + " (ferry keys generate makes one; --data DIR)");
                    err.flush();
                    return 1;
                }
                for (Path f : files) {
                    Path sig = f.resolveSibling(f.getFileName() + ".sig");
                    byte[] note =
                            Note.sign(signedText(sha256(f), f.getFileName().toString()), signer.get());
                    Files.write(sig, note);
                    out.println("signed " + f + " -> " + sig);
                }
                out.println("verify with: ferry keys verify --trust "
                        + signer.get().verifier().encoded() + " FILE");
                out.flush();
                return 0;
            } catch (IOException e) {
                err.println("ferry: " + e.getMessage());
            } catch (FormatException e) {
                err.println("ferry: cannot sign: " + e.getMessage());
            }
            err.flush();
            return 1;
        }
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Check files against their FILE.sig from 'ferry keys sign': signed by a trusted key, and the file's",
                "SHA-256 is the one signed. Exit 0 every file checks out, 1 one does not (or has no readable .sig),",
                "2 usage error."
            })
    public static final class Verify implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--trust",
                paramLabel = "KEY",
                required = true,
                description = "A verifier key (what 'ferry keys public' prints at the signing site) or a file of them;"
                        + " repeat for more.")
        List<String> trust;

        @CommandLine.Parameters(
                paramLabel = "FILE",
                arity = "1..*",
                description = "Files to check (FILE.sig beside each).")
        List<Path> files;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<Verifier> keys;
            try {
                keys = TrustedKeys.parseAll(trust);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--trust: " + e.getMessage());
            }
            int failed = 0;
            for (Path f : files) {
                Path sig = f.resolveSibling(f.getFileName() + ".sig");
                try {
                    Note note = Note.open(Files.readAllBytes(sig), keys);
                    String[] lines = note.text().split("\n");
                    String[] fields = lines.length == 2 && lines[0].equals(FILE_SIGNATURE)
                            ? lines[1].split(" ", 3)
                            : new String[0];
                    if (fields.length != 3 || !fields[0].equals("sha256")) {
                        err.println("ferry: " + sig + " is not a file signature");
                        failed++;
                        continue;
                    }
                    String actual = sha256(f);
                    if (!actual.equals(fields[1])) {
                        err.println("ferry: " + f + " is not the file that was signed: its SHA-256 is " + actual
                                + ", the signature's (for " + fields[2] + ") " + fields[1]);
                        failed++;
                        continue;
                    }
                    out.println(f + ": OK, signed by "
                            + note.signatures().getFirst().name() + " as " + fields[2]);
                } catch (NoSuchFileException e) {
                    err.println("ferry: no such file " + e.getFile());
                    failed++;
                } catch (IOException e) {
                    err.println("ferry: " + e.getMessage());
                    failed++;
                } catch (FormatException e) {
                    err.println("ferry: " + sig + ": " + e.getMessage() + " (trusted: "
                            + keys.stream().map(Verifier::encoded).toList() + ")");
                    failed++;
                }
            }
            out.flush();
            err.flush();
            return failed == 0 ? 0 : 1;
        }
    }
}
