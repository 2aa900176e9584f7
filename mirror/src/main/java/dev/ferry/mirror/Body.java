package dev.ferry.mirror;

import java.io.IOException;
import java.io.OutputStream;

/** Bytes to send to a client: from the store, or still arriving from an upstream. */
public interface Body {
    /** Exact length in bytes, or -1 when not known yet (a body still streaming from an upstream without one). */
    long length();

    /** Writes the whole body; throws when it cannot be completed (the response must then be aborted, not ended). */
    void writeTo(OutputStream out) throws IOException;
}
