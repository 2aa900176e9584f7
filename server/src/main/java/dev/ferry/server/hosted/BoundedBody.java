package dev.ferry.server.hosted;

import dev.ferry.protocols.oci.OciErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Copies a request body under the two rules every hosted write obeys: the declared length and a size limit. */
final class BoundedBody {
    private static final int BUFFER = 64 * 1024;

    private BoundedBody() {}

    /**
     * Copies {@code in} to {@code out} and returns the byte count. With {@code declared >= 0} exactly that many
     * bytes are read, never more: a declared length over {@code room} is refused before reading (SIZE_TOO_LARGE),
     * a body that ends early is refused (SIZE_INVALID). With {@code declared < 0} (streamed) the body is read to
     * its end but at most {@code room + 1} bytes: one byte past {@code room} is refused (SIZE_TOO_LARGE). Whatever
     * was copied before a refusal is the caller's to undo.
     */
    static long copy(InputStream in, long declared, long room, OutputStream out) throws Refusal, IOException {
        if (declared > room) {
            throw tooLarge(declared, room);
        }
        long limit = declared >= 0 ? declared : room + 1;
        byte[] buf = new byte[(int) Math.min(BUFFER, Math.max(1, limit))];
        long copied = 0;
        while (copied < limit) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, limit - copied));
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            copied += n;
        }
        if (declared >= 0 && copied < declared) {
            throw new Refusal(
                    OciErrorCode.SIZE_INVALID,
                    "the body ended after " + copied + " of the " + declared + " bytes its length announced");
        }
        if (declared < 0 && copied > room) {
            throw tooLarge(copied, room);
        }
        return copied;
    }

    private static Refusal tooLarge(long size, long room) {
        return new Refusal(
                OciErrorCode.SIZE_TOO_LARGE,
                "the upload would grow past the limit: at least " + size + " more bytes, room for " + room);
    }
}
