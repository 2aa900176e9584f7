package dev.ferry.mirror;

import java.io.IOException;
import java.io.OutputStream;

/** A small body held in memory (lists, @latest). */
public record BytesBody(byte[] bytes) implements Body {
    @Override
    public long length() {
        return bytes.length;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        out.write(bytes);
    }
}
