package dev.ferry.server.cli;

import dev.ferry.server.config.Durations;
import dev.ferry.server.config.ListenAddress;
import dev.ferry.server.config.Setting;
import dev.ferry.server.outbound.UpstreamTrust;
import dev.ferry.server.tls.OwnCertificateTrust;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry health}: asks a running ferry whether it is ready, so a container image's healthcheck (and anyone's
 * script) needs neither curl nor wget in the image.
 */
@Command(
        name = "health",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        versionProvider = FerryMain.Version.class,
        description = {
            "Ask a running ferry whether it is ready: GET /health/ready (store open, not stopping).",
            "Exits 0 when it answers 200, 1 when it answers anything else or not within --timeout:",
            "a container or compose healthcheck without curl."
        })
public final class HealthCommand implements Callable<Integer> {
    private final CliContext ctx;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "What to ask. Default: http://127.0.0.1:PORT/health/ready, with the host and port of"
                    + " FERRY_LISTEN when it is set (a wildcard host means loopback), else port 8080; https:// when"
                    + " FERRY_TLS_CERT is set, trusting the certificates in that file.")
    String url;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "5s",
            description = "How long to wait for the answer (500ms, 5s, ...). Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(
            names = "--ca-cert",
            paramLabel = "FILE",
            description = "PEM bundle of CAs to trust for an https:// --url, on top of the JDK's own (env"
                    + " FERRY_CA_CERT). Not used for the default URL with FERRY_TLS_CERT set.")
    Path caCert;

    public HealthCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        URI target;
        Duration wait;
        try {
            target = URI.create(url != null ? url : defaultUrl(ctx.env().get("FERRY_LISTEN"), served()));
            wait = Durations.parse(timeout);
            if (!"http".equals(target.getScheme()) && !"https".equals(target.getScheme())) {
                throw new IllegalArgumentException("expected an http:// or https:// URL, got " + target);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(wait);
        if (url == null && served() != null) {
            try {
                builder.sslContext(OwnCertificateTrust.context(served()));
            } catch (IOException e) {
                err.println("ferry: " + e.getMessage());
                err.flush();
                return 1;
            }
        } else if (caCert() != null) {
            Path ca = caCert();
            if (!Files.isRegularFile(ca)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ca-cert " + ca + ": no such file");
            }
            try {
                builder.sslContext(UpstreamTrust.client(ca, null));
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ca-cert " + ca + ": " + e.getMessage());
            }
        }
        try (HttpClient client = builder.build()) {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(target).timeout(wait).GET().build(), HttpResponse.BodyHandlers.ofString());
            String body = r.body().strip();
            if (r.statusCode() == 200) {
                out.println(target + ": " + body);
                out.flush();
                return 0;
            }
            err.println(
                    "ferry: " + target + " answered " + r.statusCode() + (body.isEmpty() ? "" : " " + oneLine(body)));
        } catch (IOException e) {
            err.println("ferry: " + target + ": " + reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("ferry: interrupted asking " + target);
        }
        err.flush();
        return 1;
    }

    /** {@code --ca-cert}, else FERRY_CA_CERT, else null. */
    private Path caCert() {
        if (caCert != null) {
            return caCert;
        }
        String env = ctx.env().get("FERRY_CA_CERT");
        return env == null || env.isBlank() ? null : Path.of(env.strip());
    }

    /** The certificate file ferry serves, as the environment names it (the container image's way), or null. */
    private Path served() {
        String cert = ctx.env().get(Setting.TLS_CERTIFICATE.env());
        return cert == null || cert.isBlank() ? null : Path.of(cert.strip());
    }

    static String defaultUrl(String listen) {
        return defaultUrl(listen, null);
    }

    /** /health/ready where {@code ferry serve} listens when started with the same environment. */
    static String defaultUrl(String listen, Path tlsCertificate) {
        String host = "127.0.0.1";
        int port = 8080;
        if (listen != null && !listen.isBlank()) {
            ListenAddress a = ListenAddress.parse(listen);
            port = a.port();
            if (port == 0) {
                throw new IllegalArgumentException("FERRY_LISTEN asks for any free port: give --url");
            }
            if (a.host().equals("::")) {
                host = "[::1]";
            } else if (!a.host().equals("0.0.0.0")) {
                host = a.urlHost();
            }
        }
        return (tlsCertificate != null ? "https://" : "http://") + host + ":" + port + "/health/ready";
    }

    /** The JDK client's ConnectException, a refused connection, comes without a message (nor has its cause one). */
    private static String reason(IOException e) {
        if (e instanceof java.net.ConnectException
                && (e.getMessage() == null || e.getMessage().isBlank())) {
            return "cannot connect (is ferry running and listening there?)";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
    }

    private static String oneLine(String s) {
        String line = s.replace('\n', ' ');
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
