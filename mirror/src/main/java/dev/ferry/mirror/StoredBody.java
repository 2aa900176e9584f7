package dev.ferry.mirror;

import dev.ferry.storage.ContentStore;
import dev.ferry.storage.StoredObject;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** A committed object, streamed chunk by chunk from the store; its length is exact before writing starts. */
public record StoredBody(ContentStore store, StoredObject object) implements Body {
    @Override
    public long length() {
        return object.size();
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        long copied;
        try (InputStream in = store.read(object.digest(), 0, object.size())) {
            copied = in.transferTo(out);
        }
        if (copied != object.size()) {
            // The length was promised in a header: a short body must abort the response, not end it.
            throw new EOFException("stored object " + object.digest() + " gave " + copied + " of " + object.size() + " bytes");
        }
    }
}
