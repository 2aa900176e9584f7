package dev.ferry.protocols.bundle;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * What a site holds, compactly: a sorted set of 16-byte keys, each the first 16 bytes of the sha256 of
 * <ul>
 * <li>{@code "c" + chunk digest (32 bytes)} for a chunk,</li>
 * <li>{@code "o" + object digest (32 bytes)} for an object,</li>
 * <li>{@code "n" + name (UTF-8) + "\0" + object digest (64 lowercase hex)} for a name binding,</li>
 * <li>{@code "m" + key (UTF-8) + "\0" + value} for a metadata entry.</li>
 * </ul>
 * 128 bits make a false "the site holds it" (which would leave it out of a bundle) as likely as a sha256 prefix
 * collision. File: {@code "ferry-inventory 1\n"}, then one gzip stream of the keys in ascending unsigned order,
 * no duplicates, followed by the key count as u64 BE; nothing after the gzip stream.
 */
public final class Inventory {
    public static final int KEY_LENGTH = 16;
    /** Most keys read from a file (1 GiB in memory): far more than a site's chunks, objects, names and meta. */
    public static final int MAX_KEYS = 1 << 26;

    private static final byte[] MAGIC = "ferry-inventory 1\n".getBytes(StandardCharsets.US_ASCII);
    private static final Inventory EMPTY = new Inventory(new long[0]);

    /** hi, lo, hi, lo...: strictly ascending as unsigned 128-bit numbers. */
    private final long[] keys;

    private Inventory(long[] keys) {
        this.keys = keys;
    }

    public static Inventory empty() {
        return EMPTY;
    }

    public int size() {
        return keys.length / 2;
    }

    /** Key {@code i} (from 0) in ascending order. */
    public byte[] key(int i) {
        return key(keys[2 * i], keys[2 * i + 1]);
    }

    public boolean contains(byte[] key) {
        ByteBuffer b = ByteBuffer.wrap(key);
        long hi = b.getLong();
        long lo = b.getLong();
        int low = 0;
        int high = size() - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = compare(keys[2 * mid], keys[2 * mid + 1], hi, lo);
            if (c < 0) {
                low = mid + 1;
            } else if (c > 0) {
                high = mid - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    public static byte[] chunkKey(byte[] chunkDigest) {
        return key((byte) 'c', chunkDigest);
    }

    public static byte[] objectKey(byte[] objectDigest) {
        return key((byte) 'o', objectDigest);
    }

    public static byte[] nameKey(String name, String objectHex) {
        return key((byte) 'n', (name + "\0" + objectHex).getBytes(StandardCharsets.UTF_8));
    }

    /** A pin: {@code pinSet} holds the object (so a bundle carries only pins the site lacks). */
    public static byte[] pinKey(String pinSet, String objectHex) {
        return key((byte) 'p', (pinSet + "\0" + objectHex).getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] metaKey(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] b = Arrays.copyOf(k, k.length + 1 + value.length);
        System.arraycopy(value, 0, b, k.length + 1, value.length);
        return key((byte) 'm', b);
    }

    /** One digest per thread: an inventory takes a key per chunk, object, name and entry, millions of them. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private static byte[] key(byte kind, byte[] body) {
        MessageDigest sha = SHA256.get();
        sha.update(kind);
        sha.update(body);
        return Arrays.copyOf(sha.digest(), KEY_LENGTH);
    }

    /**
     * The gzip stream the keys go into, in stored (uncompressed) blocks. Sorted hash prefixes barely compress: 2.3%
     * smaller at level 6 and 2.1% at level 1 for 2,000,000 keys, for 0.4 us a key either way (0.78 s, where the rest
     * of writing them from a scratch table took 0.7 s); stored blocks add 5 bytes in 64 KiB. Any gzip reader reads
     * them, so files written before and after read alike.
     */
    private static GZIPOutputStream keysStream(OutputStream target) throws IOException {
        return new GZIPOutputStream(target, 1 << 16) {
            {
                def.setLevel(Deflater.NO_COMPRESSION);
            }
        };
    }

    /** Writes the file format above (the stream stays open). */
    public void write(OutputStream target) throws IOException {
        target.write(MAGIC);
        GZIPOutputStream gz = keysStream(target);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(gz, 1 << 16));
        for (long k : keys) {
            out.writeLong(k);
        }
        out.writeLong(size());
        out.flush();
        gz.finish();
    }

    /**
     * Writes an inventory file from keys given in strictly ascending unsigned order, one at a time: for sets too
     * large to hold (sorted elsewhere, e.g. by an on-disk table), without building an {@link Inventory}.
     */
    public static final class SortedWriter {
        private final GZIPOutputStream gz;
        private final DataOutputStream out;
        private long hi;
        private long lo;
        private long n;
        private boolean finished;

        /** Starts the file on {@code target} (which stays open). */
        public SortedWriter(OutputStream target) throws IOException {
            target.write(MAGIC);
            this.gz = keysStream(target);
            this.out = new DataOutputStream(new BufferedOutputStream(gz, 1 << 16));
        }

        /** Adds the next key, greater than the one before. */
        public void add(byte[] key) throws IOException {
            if (key.length != KEY_LENGTH) {
                throw new IllegalArgumentException("an inventory key has 16 bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(key);
            long h = b.getLong();
            long l = b.getLong();
            if (n > 0 && compare(hi, lo, h, l) >= 0) {
                throw new IllegalArgumentException("inventory keys must be added in strictly ascending order");
            }
            out.writeLong(h);
            out.writeLong(l);
            hi = h;
            lo = l;
            n++;
        }

        /** Keys added so far. */
        public long size() {
            return n;
        }

        /** Writes the count and ends the gzip stream. */
        public void finish() throws IOException {
            if (!finished) {
                out.writeLong(n);
                out.flush();
                gz.finish();
                finished = true;
            }
        }
    }

    /** Whether the stream starts with the header every inventory file starts with (it reads that many bytes). */
    public static boolean hasHeader(InputStream file) throws IOException {
        return Arrays.equals(file.readNBytes(MAGIC.length), MAGIC);
    }

    /**
     * Reads the file format above, refusing a wrong header, a damaged or truncated gzip stream, keys out of
     * order or repeated, a count that does not match, or more than {@link #MAX_KEYS} keys.
     */
    public static Inventory read(InputStream file) throws IOException {
        return read(file, MAX_KEYS);
    }

    /** As {@link #read(InputStream)}, refusing more than {@code maxKeys} keys (what the caller's memory allows). */
    public static Inventory read(InputStream file, int maxKeys) throws IOException {
        if (maxKeys < 0 || maxKeys > MAX_KEYS) {
            throw new IllegalArgumentException("maxKeys " + maxKeys + " outside 0.." + MAX_KEYS);
        }
        long[][] keys = {new long[1024]};
        long n = forEachKey(file, (hi, lo, i) -> {
            if (i == maxKeys) {
                throw new TooLarge(maxKeys);
            }
            if (2 * i + 2 > keys[0].length) {
                keys[0] = Arrays.copyOf(keys[0], keys[0].length * 2);
            }
            keys[0][(int) (2 * i)] = hi;
            keys[0][(int) (2 * i + 1)] = lo;
        });
        return new Inventory(Arrays.copyOf(keys[0], (int) (2 * n)));
    }

    /** Receives an inventory file's keys one at a time, in ascending order. */
    @FunctionalInterface
    public interface KeyVisitor {
        /** Key number {@code index} (from 0), as its two big-endian halves. */
        void key(long hi, long lo, long index) throws IOException;
    }

    /**
     * Reads the file format above key by key, handing each to {@code visitor} as it is read, with the checks of
     * {@link #read(InputStream)} but no limit on the count: for inventories too large to hold in memory. A file
     * found damaged after some keys were handed over is refused then (the caller discards what it was given).
     * @return the number of keys
     */
    public static long forEachKey(InputStream file, KeyVisitor visitor) throws IOException {
        byte[] magic = file.readNBytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new BundleFormatException("not a ferry inventory (want a file written by ferry inventory, "
                    + "starting \"ferry-inventory 1\")");
        }
        long n = 0;
        long hi = 0;
        long lo = 0;
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(file, 1 << 16), 1 << 16)) {
            byte[] unit = new byte[KEY_LENGTH];
            while (true) {
                int got = in.readNBytes(unit, 0, KEY_LENGTH);
                if (got == 8) {
                    long count = ByteBuffer.wrap(unit, 0, 8).getLong();
                    if (count != n) {
                        throw new BundleFormatException(
                                "inventory is damaged: it holds " + n + " keys, its trailer " + "says " + count);
                    }
                    break;
                }
                if (got != KEY_LENGTH) {
                    throw new BundleFormatException("inventory is truncated or damaged after " + n + " keys");
                }
                ByteBuffer b = ByteBuffer.wrap(unit);
                long h = b.getLong();
                long l = b.getLong();
                if (n > 0 && compare(hi, lo, h, l) >= 0) {
                    throw new BundleFormatException("inventory is damaged: keys out of order at key " + n);
                }
                visitor.key(h, l, n);
                hi = h;
                lo = l;
                n++;
            }
        } catch (EOFException | ZipException e) {
            throw new BundleFormatException("inventory is truncated or damaged (gzip: " + e.getMessage() + ")");
        }
        return n;
    }

    /** The 16 bytes of the key whose big-endian halves are {@code hi} and {@code lo}. */
    public static byte[] key(long hi, long lo) {
        return ByteBuffer.allocate(KEY_LENGTH).putLong(hi).putLong(lo).array();
    }

    private static int compare(long hi1, long lo1, long hi2, long lo2) {
        int c = Long.compareUnsigned(hi1, hi2);
        return c != 0 ? c : Long.compareUnsigned(lo1, lo2);
    }

    /** An inventory with more keys than the reader allows: well-formed perhaps, but too large to hold. */
    public static final class TooLarge extends BundleFormatException {
        public TooLarge(int maxKeys) {
            super("inventory holds more than " + maxKeys + " keys");
        }
    }

    /** Collects keys in any order, with repeats; {@link #build} sorts and deduplicates. Not thread-safe. */
    public static final class Builder {
        private long[] keys = new long[1024];
        private int n;

        /** Keys added so far, repeats included. */
        public int size() {
            return n;
        }

        public Builder add(byte[] key) {
            if (key.length != KEY_LENGTH) {
                throw new IllegalArgumentException("an inventory key has 16 bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(key);
            put(b.getLong(), b.getLong());
            return this;
        }

        public Builder addAll(Inventory other) {
            for (int i = 0; i < other.keys.length; i += 2) {
                put(other.keys[i], other.keys[i + 1]);
            }
            return this;
        }

        private void put(long hi, long lo) {
            if (2 * n + 2 > keys.length) {
                keys = Arrays.copyOf(keys, keys.length * 2);
            }
            keys[2 * n] = hi;
            keys[2 * n + 1] = lo;
            n++;
        }

        public Inventory build() {
            long[] a = Arrays.copyOf(keys, 2 * n);
            long[] tmp = new long[a.length];
            // Bottom-up merge sort of (hi, lo) pairs: primitive arrays, so millions of keys cost 16 bytes each.
            for (int width = 1; width < n; width *= 2) {
                for (int left = 0; left < n; left += 2 * width) {
                    int mid = Math.min(left + width, n);
                    int right = Math.min(left + 2 * width, n);
                    int i = left;
                    int j = mid;
                    int k = left;
                    while (i < mid || j < right) {
                        boolean takeLeft =
                                j >= right || i < mid && compare(a[2 * i], a[2 * i + 1], a[2 * j], a[2 * j + 1]) <= 0;
                        int from = takeLeft ? i++ : j++;
                        tmp[2 * k] = a[2 * from];
                        tmp[2 * k + 1] = a[2 * from + 1];
                        k++;
                    }
                }
                long[] swap = a;
                a = tmp;
                tmp = swap;
            }
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (m == 0 || compare(a[2 * m - 2], a[2 * m - 1], a[2 * i], a[2 * i + 1]) != 0) {
                    a[2 * m] = a[2 * i];
                    a[2 * m + 1] = a[2 * i + 1];
                    m++;
                }
            }
            return new Inventory(Arrays.copyOf(a, 2 * m));
        }
    }
}
