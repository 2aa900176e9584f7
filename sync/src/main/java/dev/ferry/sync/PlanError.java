package dev.ferry.sync;

/**
 * Why part of a prewarm request could not be planned: {@code source} is the file name (or "arguments", or a
 * mirror set's name), {@code line} its 1-based line (0 when the problem has no line).
 */
public record PlanError(String source, int line, String message) {
    @Override
    public String toString() {
        return line > 0 ? source + ":" + line + ": " + message : source + ": " + message;
    }
}
