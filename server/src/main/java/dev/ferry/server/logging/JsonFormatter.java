package dev.ferry.server.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per record: {@code time}, {@code level}, {@code logger}, {@code message}, and {@code error} and
 * {@code stack} when the record carries an exception.
 */
public final class JsonFormatter extends Formatter {
    /** UTC, milliseconds, as the text lines write it. */
    public static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Override
    public String format(LogRecord record) {
        StringBuilder sb = new StringBuilder(160);
        sb.append('{');
        JsonLines.field(sb, "time", TIME.format(Instant.ofEpochMilli(record.getMillis())));
        JsonLines.field(sb, "level", record.getLevel().getName());
        JsonLines.field(sb, "logger", record.getLoggerName());
        JsonLines.field(sb, "message", formatMessage(record));
        Throwable t = record.getThrown();
        if (t != null) {
            JsonLines.field(sb, "error", t.toString());
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            JsonLines.field(sb, "stack", w.toString());
        }
        return sb.append("}\n").toString();
    }
}
