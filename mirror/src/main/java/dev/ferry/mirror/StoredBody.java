package dev.ferry.mirror;

import dev.ferry.storage.ObjectStore;
import dev.ferry.storage.StoredObject;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.NoSuchElementException;

/**
 * A committed object, streamed chunk by chunk from the store; its length is exact before writing starts.
 *
 * <p>The object may be evicted between the lookup that found it and the read: the read then finds nothing before a
 * single byte went out, and {@code whenGone} (when given) supplies the body to send instead, typically the same
 * content fetched again (same digest, so the same length). Once a read has started, the store keeps the object's
 * chunks until it ends.
 */
public record StoredBody(ObjectStore store, StoredObject object, Refetch whenGone) implements Body {

    /** The body to send when the stored object is gone before its read began. */
    @FunctionalInterface
    public interface Refetch {
        Body body() throws IOException;
    }

    public StoredBody(ObjectStore store, StoredObject object) {
        this(store, object, null);
    }

    @Override
    public long length() {
        return object.size();
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        InputStream opened;
        try {
            opened = store.read(object.digest(), 0, object.size());
        } catch (NoSuchElementException e) {
            if (whenGone == null) {
                throw new IOException("stored object " + object.digest() + " was evicted before it could be served", e);
            }
            Body again = whenGone.body();
            if (again.length() >= 0 && again.length() != object.size()) {
                throw new EOFException("stored object " + object.digest() + " was evicted and fetched again with "
                        + again.length() + " bytes instead of " + object.size());
            }
            again.writeTo(out);
            return;
        }
        long copied;
        try (InputStream in = opened) {
            copied = in.transferTo(out);
        }
        if (copied != object.size()) {
            // The length was promised in a header: a short body must abort the response, not end it.
            throw new EOFException(
                    "stored object " + object.digest() + " gave " + copied + " of " + object.size() + " bytes");
        }
    }
}
