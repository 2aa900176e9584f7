package dev.ferry.sync;

import dev.ferry.mirror.Body;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Reads mirror answer bodies to completion: that is what makes the mirror store a download it streams. */
final class Bodies {
    private Bodies() {}

    /** Reads {@code body} to its end, discarding the bytes; returns how many there were. */
    static long drain(Body body, String what) throws PrewarmFailure {
        long[] n = {0};
        try {
            body.writeTo(new OutputStream() {
                @Override
                public void write(int b) {
                    n[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    n[0] += len;
                }
            });
        } catch (IOException e) {
            throw new PrewarmFailure(what + ": download failed: " + e.getMessage());
        }
        return n[0];
    }

    /** Reads {@code body} into memory (small things only: go.mod, lists, manifests). */
    static byte[] read(Body body, String what) throws PrewarmFailure {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            body.writeTo(out);
        } catch (IOException e) {
            throw new PrewarmFailure(what + ": download failed: " + e.getMessage());
        }
        return out.toByteArray();
    }
}
