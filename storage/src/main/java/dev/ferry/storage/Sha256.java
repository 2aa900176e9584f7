package dev.ferry.storage;

import java.util.Arrays;
import java.util.HexFormat;

/** A SHA-256 digest: the address of every chunk and object in the store. */
public final class Sha256 implements Comparable<Sha256> {
    public static final int LENGTH = 32;
    private final byte[] bytes;

    private Sha256(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Sha256 of(byte[] digest) {
        if (digest.length != LENGTH) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + digest.length);
        }
        return new Sha256(digest.clone());
    }

    /** Parses 64 lowercase hex digits. */
    public static Sha256 ofHex(String hex) {
        if (hex.length() != 2 * LENGTH
                || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a lowercase hex SHA-256: " + hex);
        }
        return new Sha256(HexFormat.of().parseHex(hex));
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sha256 other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(Sha256 o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return "sha256:" + hex();
    }
}
