package dev.ferry.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * The base of the commands that talk to a running ferry's admin API: resolves the server and token, runs
 * {@link #run(AdminClient)}, and turns an {@link AdminClient.Failure} into "ferry: MESSAGE" on standard error and its
 * exit status (1, or 2 for usage errors).
 */
abstract class AdminCommand implements Callable<Integer> {
    final CliContext ctx;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    AdminOptions admin = new AdminOptions();

    AdminCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    abstract int run(AdminClient client) throws AdminClient.Failure;

    @Override
    public final Integer call() {
        try {
            validate();
            return run(AdminClient.of(admin, ctx.env()));
        } catch (AdminClient.Failure f) {
            err().println("ferry: " + f.getMessage());
            err().flush();
            return f.exit;
        }
    }

    /** Checks option combinations; throws a ParameterException (exit 2, with usage) when they are wrong. */
    void validate() {}

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    static String read(Path file) throws AdminClient.Failure {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AdminClient.Failure("cannot read " + file + ": " + e, 2);
        }
    }
}
