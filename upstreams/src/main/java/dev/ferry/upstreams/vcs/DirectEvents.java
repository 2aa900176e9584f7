package dev.ferry.upstreams.vcs;

import java.time.Duration;

/** What the origin fetcher reports, for metrics and logs. Never given a credential. Must not block. */
public interface DirectEvents {
    DirectEvents NONE = new DirectEvents() {};

    /** A module whose host is not allowed was asked for; no process was started. */
    default void refused(String host) {}

    /** A go command finished: {@code outcome} is ok, not_found, failed, timeout or busy. */
    default void process(String outcome, Duration took) {}
}
