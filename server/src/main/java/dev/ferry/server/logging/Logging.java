package dev.ferry.server.logging;

import dev.ferry.server.http.AccessLog;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** Sets up java.util.logging for the ferry process: one-line records to stderr, the access log beside them. */
public final class Logging {
    // Strong references: JUL holds loggers weakly and would forget our levels.
    private static Logger root;
    private static Logger access;
    private static Logger helidon;

    private Logging() {}

    public static synchronized void configure(Level level, boolean accessLog) {
        configure(level, accessLog, LogFormat.TEXT);
    }

    /** With {@link LogFormat#JSON}, server records and access lines alike are one JSON object per line. */
    public static synchronized void configure(Level level, boolean accessLog, LogFormat format) {
        LogManager.getLogManager().reset();
        root = Logger.getLogger("");
        root.setLevel(level);
        Handler console = new ConsoleHandler(); // System.err
        console.setLevel(Level.ALL);
        console.setFormatter(format == LogFormat.JSON ? new JsonFormatter() : new LineFormatter());
        AccessLog.format(format);
        root.addHandler(console);

        helidon = Logger.getLogger("io.helidon");
        helidon.setLevel(level.intValue() <= Level.FINE.intValue() ? level : Level.WARNING);

        access = Logger.getLogger(AccessLog.LOGGER_NAME);
        access.setUseParentHandlers(false);
        if (accessLog) {
            access.setLevel(Level.INFO);
            access.addHandler(new AccessLogHandler(new FileOutputStream(FileDescriptor.err), format == LogFormat.JSON));
        } else {
            access.setLevel(Level.OFF);
        }
    }

    /** Flushes the access log on the way out. */
    public static synchronized void close() {
        if (access != null) {
            for (Handler h : access.getHandlers()) {
                h.close();
            }
        }
    }
}
