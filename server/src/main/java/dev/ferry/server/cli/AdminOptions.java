package dev.ferry.server.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that talks to a running ferry shares (a picocli mixin). */
public final class AdminOptions {
    @Option(
            names = "--server",
            paramLabel = "URL",
            description = "The running ferry (env FERRY_SERVER). Default: " + AdminClient.DEFAULT_SERVER + ".")
    String server;

    @Option(
            names = "--admin-token",
            paramLabel = "TOKEN",
            description = "The admin token (else env FERRY_ADMIN_TOKEN, else DIR/admin-token of --data).")
    String adminToken;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "The server's data directory, to read its generated DIR/admin-token"
                    + " (default: env FERRY_DATA, else ./ferry-data).")
    Path data;

    @Option(
            names = "--ca-cert",
            paramLabel = "FILE",
            description = "PEM bundle of CAs to trust for an https:// --server, on top of the JDK's own (env"
                    + " FERRY_CA_CERT): the private CA that signed ferry's certificate.")
    Path caCert;

    @Option(
            names = "--client-cert",
            paramLabel = "FILE",
            description = "PEM client certificate (chain) to present to an https:// --server that requires one for"
                    + " admin routes (env FERRY_CLIENT_CERT); with --client-key.")
    Path clientCert;

    @Option(
            names = "--client-key",
            paramLabel = "FILE",
            description = "PEM private key of --client-cert, not encrypted (env FERRY_CLIENT_KEY).")
    Path clientKey;
}
