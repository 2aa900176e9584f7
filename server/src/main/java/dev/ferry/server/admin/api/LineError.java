package dev.ferry.server.admin.api;

/** An error in an input file or argument list, by line; {@code text} is "source:line: message". */
public record LineError(String source, int line, String message, String text) {}
