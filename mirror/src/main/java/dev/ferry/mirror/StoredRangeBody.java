package dev.ferry.mirror;

import dev.ferry.storage.ObjectStore;
import dev.ferry.storage.Sha256;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** A byte range of a committed object, streamed chunk by chunk from the store. */
public record StoredRangeBody(ObjectStore store, Sha256 object, long offset, long length) implements Body {
    @Override
    public long length() {
        return length;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        long copied;
        try (InputStream in = store.read(object, offset, length)) {
            copied = in.transferTo(out);
        }
        if (copied != length) {
            throw new EOFException(
                    "stored object " + object + " gave " + copied + " of " + length + " bytes from " + offset);
        }
    }
}
