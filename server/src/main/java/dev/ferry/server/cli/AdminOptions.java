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
}
