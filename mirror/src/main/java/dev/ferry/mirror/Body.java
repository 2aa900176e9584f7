package dev.ferry.mirror;

import java.io.IOException;
import java.io.OutputStream;

/** Bytes to send to a client: from the store, or still arriving from an upstream. */
public interface Body {
    /** Exact length in bytes, or -1 when not known yet (a body still streaming from an upstream without one). */
    long length();

    /** Writes the whole body; throws when it cannot be completed (the response must then be aborted, not ended). */
    void writeTo(OutputStream out) throws IOException;

    /**
     * An output that has sent none of what it was given yet (a response buffered whole before it starts). A body
     * whose source failed part-way but has another way to the same bytes (a download that moved on to the next
     * upstream) may then {@link #rewind} and write again, instead of failing a response nobody has seen.
     */
    interface Rewindable {
        /** Forgets everything written so far. */
        void rewind();
    }
}
