package dev.ferry.server.cli;

import java.time.Duration;
import java.util.Map;

/**
 * What the admin commands get from the process: the environment, whether standard output is a terminal (progress
 * bar) or not (plain lines), and how often they poll a job.
 */
public record CliContext(Map<String, String> env, boolean terminal, Duration poll) {
    public static final Duration POLL = Duration.ofMillis(500);
}
