package dev.ferry.server.admin.api;

/** One figure of a bundle job's or inventory's summary, e.g. ("chunks shipped", 1234), in reading order. */
public record Count(String what, long value) {}
