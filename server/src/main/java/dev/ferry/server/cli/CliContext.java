package dev.ferry.server.cli;

import java.io.Console;
import java.time.Duration;
import java.util.Map;

/**
 * What the admin commands get from the process: the environment, whether standard output is a terminal (progress
 * bar) or not (plain lines), and how often they poll a job.
 */
public record CliContext(Map<String, String> env, boolean terminal, Duration poll) {
    public static final Duration POLL = Duration.ofMillis(500);

    /**
     * Whether this process talks to a terminal. A null {@code System.console()} says "no" on every JDK, but a
     * console is no proof of a terminal: JDK 22 to 24 hand one out for redirected streams too, so ask
     * {@code Console.isTerminal()} (JDK 22+; ferry is built for 21, hence the reflection).
     */
    @SuppressWarnings("SystemConsoleNull") // on JDK 21, which lacks isTerminal(), the null check is the answer
    public static boolean consoleIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            throw new LinkageError("Console.isTerminal: " + e, e);
        }
    }
}
