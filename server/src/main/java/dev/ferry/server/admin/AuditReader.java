package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.admin.api.AuditPage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The audit log ({@link AuditLog}) for the web console: newest first, filtered by time, action, result and who,
 * a page at a time, read backwards from the end of the file so the first pages cost the same however long it is.
 */
public final class AuditReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path auditFile;

    AuditReader(Path auditFile) {
        this.auditFile = auditFile;
    }

    /** How much of the audit log is read at a time, from its end backwards. */
    static final int AUDIT_BLOCK = 64 * 1024;

    /**
     * A page of the audit log, newest first, read from the end of the file backwards, so the first pages cost the
     * same however long the log is. {@code after} is a byte offset (where the previous page stopped); lines are in
     * time order, so a {@code since} stops the reading once it is passed.
     */
    public AuditPage audit(
            String since, String until, String action, String result, String who, String after, String limitText) {
        int limit = ConsoleApi.limit(limitText);
        Instant from = instant("since", since);
        Instant to = instant("until", until);
        if (result != null
                && !result.isBlank()
                && !Set.of("ok", "refused", "failed").contains(result)) {
            throw ApiException.badRequest("result must be ok, refused or failed: " + result);
        }
        long end;
        try {
            end = after == null || after.isBlank() ? Long.MAX_VALUE : Long.parseLong(after.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("after must be a number: " + after);
        }
        AuditFilter filter = new AuditFilter(from, to, blankToNull(action), blankToNull(result), blankToNull(who));
        List<AuditPage.Entry> out = new ArrayList<>();
        long next;
        try (FileChannel ch = FileChannel.open(auditFile, StandardOpenOption.READ)) {
            next = readBackwards(ch, Math.min(end, ch.size()), filter, limit, out);
        } catch (NoSuchFileException e) {
            next = -1;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new AuditPage(out, next < 0 ? null : Long.toString(next));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** Fills {@code out}; answers the offset the next page ends at, or -1 when the start was reached. */
    private static long readBackwards(
            FileChannel ch, long end, AuditFilter filter, int limit, List<AuditPage.Entry> out) throws IOException {
        long pos = end;
        byte[] tail = new byte[0];
        while (pos > 0) {
            int n = (int) Math.min(AUDIT_BLOCK, pos);
            byte[] buf = new byte[n + tail.length];
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
                if (ch.read(bb, pos - n + bb.position()) < 0) {
                    throw new IOException("the audit log shrank while read");
                }
            }
            System.arraycopy(tail, 0, buf, n, tail.length);
            pos -= n;
            int lineEnd = buf.length;
            for (int i = buf.length - 1; i >= -1; i--) {
                if (i >= 0 && buf[i] != '\n') {
                    continue;
                }
                if (i < 0 && pos > 0) {
                    break; // the line goes on in the block before
                }
                if (i + 1 < lineEnd) {
                    String line = new String(buf, i + 1, lineEnd - i - 1, StandardCharsets.UTF_8);
                    int verdict = filter.test(line);
                    if (verdict < 0) {
                        return -1; // before "since": nothing older can match
                    }
                    if (verdict > 0) {
                        if (out.size() == limit) {
                            return pos + lineEnd + 1;
                        }
                        out.add(entry(line));
                    }
                }
                lineEnd = i;
            }
            tail = java.util.Arrays.copyOf(buf, Math.max(0, lineEnd));
        }
        return -1;
    }

    /** The audit view's filters; {@link #test}: 1 shown, 0 not, -1 older than {@code since} (stop). */
    private record AuditFilter(Instant since, Instant until, String action, String result, String who) {
        /** Lines written before this much before {@code since} end the search (threads append nearly in order). */
        static final Duration SLACK = Duration.ofMinutes(1);

        int test(String line) {
            // A cheap look at the raw line first: most lines of a long log fail a filter, and JSON parsing is dear.
            if ((action != null && plain(action) && !line.contains(action))
                    || (who != null && plain(who) && !line.contains(who))) {
                return timeBefore(line) ? -1 : 0;
            }
            AuditPage.Entry e = entry(line);
            if (e == null) {
                return 0;
            }
            Instant at;
            try {
                at = Instant.parse(e.time());
            } catch (DateTimeParseException ex) {
                return 0;
            }
            if (since != null && at.isBefore(since)) {
                return at.isBefore(since.minus(SLACK)) ? -1 : 0;
            }
            return matches(e, at) ? 1 : 0;
        }

        private boolean timeBefore(String line) {
            if (since == null) {
                return false;
            }
            int t = line.indexOf("\"time\":\"");
            int q = t < 0 ? -1 : line.indexOf('"', t + 8);
            try {
                return q > 0 && Instant.parse(line.substring(t + 8, q)).isBefore(since.minus(SLACK));
            } catch (DateTimeParseException e) {
                return false;
            }
        }

        private static boolean plain(String s) {
            return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
        }

        private boolean matches(AuditPage.Entry e, Instant at) {
            if (until != null && at.isAfter(until)) {
                return false;
            }
            if (action != null && !e.action().contains(action)) {
                return false;
            }
            if (who != null && !e.who().contains(who)) {
                return false;
            }
            if (result != null) {
                String kind = e.status() < 400 ? "ok" : e.status() < 500 ? "refused" : "failed";
                return kind.equals(result);
            }
            return true;
        }
    }

    private static Instant instant(String name, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an ISO-8601 instant (2025-06-01T02:00:00Z): " + text);
        }
    }

    private static AuditPage.Entry entry(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return new AuditPage.Entry(
                    n.path("time").asText(),
                    n.path("who").asText(),
                    n.path("from").asText(),
                    n.path("action").asText(),
                    n.path("target").asText(),
                    n.path("status").asInt(),
                    n.path("result").asText());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
