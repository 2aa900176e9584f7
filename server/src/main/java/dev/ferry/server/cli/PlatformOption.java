package dev.ferry.server.cli;

import dev.ferry.protocols.FormatException;
import dev.ferry.sync.Platforms;
import picocli.CommandLine.Option;

/**
 * The {@code --platform} option of every command that takes images, with one default and one check: a list that
 * does not parse is a usage error before any request is sent.
 */
final class PlatformOption {
    @Option(
            names = "--platform",
            paramLabel = "LIST",
            defaultValue = "linux/amd64,linux/arm64",
            description = "Which platforms of an image index: os/arch[/variant],... or all. Default: ${DEFAULT-VALUE}.")
    String value;

    /** The list as given, after checking that it parses; {@code command} turns a bad one into its usage error. */
    String checked(AdminCommand command) {
        try {
            Platforms.parse(value);
            return value;
        } catch (FormatException e) {
            throw command.usage("--platform: " + e.getMessage());
        }
    }
}
