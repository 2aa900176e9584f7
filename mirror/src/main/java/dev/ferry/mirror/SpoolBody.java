package dev.ferry.mirror;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A body that follows a download in progress through its {@link Spool}. writeTo returns only once the object
 * is committed (the spool holds back the last byte until then) and throws if the download fails, so the
 * server aborts the response. A client that starts writing after the spool was discarded gets the outcome
 * from {@code afterwards} (the stored object, or an exception); so does one whose attempt failed before anything
 * reached it (nothing written yet, or an output that can {@link Body.Rewindable rewind}).
 */
public final class SpoolBody implements Body {
    /** What to send when the spool is gone: the committed object's body, or throw the failure. */
    @FunctionalInterface
    public interface Afterwards {
        Body body() throws IOException;
    }

    private final Spool spool;
    private final Afterwards afterwards;

    public SpoolBody(Spool spool, Afterwards afterwards) {
        this.spool = spool;
        this.afterwards = afterwards;
    }

    @Override
    public long length() {
        return spool.declaredLength();
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        Spool.Reader reader = spool.open();
        if (reader == null) {
            afterwards.body().writeTo(out);
            return;
        }
        long total = 0;
        try (reader) {
            byte[] buffer = new byte[64 << 10];
            for (int n; (n = reader.read(buffer, 0, buffer.length)) >= 0; ) {
                out.write(buffer, 0, n);
                total += n;
            }
        } catch (SpoolFailedException e) {
            // This attempt failed; the download may still succeed from another upstream. Wait for its end
            // either way, so a client that sees this failure and asks again starts a new download.
            Body outcome;
            try {
                outcome = afterwards.body();
            } catch (IOException end) {
                e.addSuppressed(end);
                throw e;
            }
            boolean unsent = total == 0 || out instanceof Body.Rewindable;
            if (unsent && (length() < 0 || outcome.length() == length())) {
                if (total > 0) {
                    ((Body.Rewindable) out).rewind();
                }
                outcome.writeTo(out);
                return;
            }
            throw e;
        }
        long declared = spool.declaredLength();
        if (declared >= 0 && total != declared) {
            throw new EOFException("download gave " + total + " bytes, " + declared + " were announced");
        }
    }
}
