package dev.ferry.protocols.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ByteRangeTest {
    static void range(String header, long size, long offset, long length) {
        assertEquals(new ByteRange(offset, length), ByteRange.parseRange(header, size), header);
    }

    static void rangeRefused(String header, long size, String messagePart) {
        OciFormatException e = assertThrows(OciFormatException.class, () -> ByteRange.parseRange(header, size), header);
        assertEquals(OciErrorCode.RANGE_INVALID, e.code());
        assertEquals(416, e.code().status());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f), e.getMessage());
    }

    static void contentRangeRefused(String header, String messagePart) {
        OciFormatException e =
                assertThrows(OciFormatException.class, () -> ByteRange.parseContentRange(header), header);
        assertEquals(OciErrorCode.RANGE_INVALID, e.code());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }

    @Test
    void rangeForms() {
        range("bytes=0-0", 10, 0, 1);
        range("bytes=0-9", 10, 0, 10);
        range("bytes=2-5", 10, 2, 4);
        range("bytes=2-", 10, 2, 8);
        range("bytes=9-", 10, 9, 1);
        range("bytes=-3", 10, 7, 3);
        range("bytes=-10", 10, 0, 10);
        range("  BYTES=1-2 ", 10, 1, 2);
        range("Bytes = 1-2", 10, 1, 2);
        range("bytes=0000-0001", 10, 0, 2);
    }

    @Test
    void endsPastTheLastByteAreClipped() {
        range("bytes=5-100", 10, 5, 5);
        range("bytes=5-99999999999999999999999", 10, 5, 5);
        range("bytes=-99999999999999999999999", 10, 0, 10);
        range("bytes=0-" + Long.MAX_VALUE, Long.MAX_VALUE, 0, Long.MAX_VALUE);
    }

    @Test
    void unsatisfiable() {
        rangeRefused("bytes=10-", 10, "not satisfiable: the blob has 10 bytes");
        rangeRefused("bytes=10-20", 10, "not satisfiable");
        rangeRefused("bytes=99999999999999999999-", 10, "not satisfiable");
        rangeRefused("bytes=-0", 10, "not satisfiable");
        rangeRefused("bytes=0-", 0, "not satisfiable");
        rangeRefused("bytes=-5", 0, "not satisfiable");
    }

    @Test
    void malformed() {
        rangeRefused(null, 10, "missing");
        rangeRefused("", 10, "only the unit bytes");
        rangeRefused("0-5", 10, "only the unit bytes");
        rangeRefused("items=0-5", 10, "only the unit bytes");
        rangeRefused("bytes=0-1,3-4", 10, "multiple ranges");
        rangeRefused("bytes=5-2", 10, "before the first");
        rangeRefused("bytes=5", 10, "expected first-last");
        rangeRefused("bytes=-", 10, "suffix length");
        rangeRefused("bytes=a-b", 10, "first position");
        rangeRefused("bytes=+1-2", 10, "first position");
        rangeRefused("bytes=1-+2", 10, "last position");
        rangeRefused("bytes=1- 2", 10, "last position");
        rangeRefused("bytes=0-1-2", 10, "last position");
        rangeRefused("bytes=\u0661-2", 10, "\\u0661");
        rangeRefused("bytes=0-\n", 10, "0-\\u000a");
        rangeRefused("bytes=" + "1".repeat(100_000) + "x-", 10, "first position");
    }

    @Test
    void contentRanges() {
        assertEquals(new ByteRange(0, 1024), ByteRange.parseContentRange("0-1023"));
        assertEquals(new ByteRange(1024, 1), ByteRange.parseContentRange("1024-1024"));
        assertEquals(new ByteRange(5, 6), ByteRange.parseContentRange("bytes 5-10/*"));
        assertEquals(new ByteRange(5, 6), ByteRange.parseContentRange("bytes 5-10/11"));
        assertEquals(new ByteRange(5, 6), ByteRange.parseContentRange(" BYTES 5-10/100 "));
        assertEquals(
                new ByteRange(Long.MAX_VALUE - 1, 2),
                ByteRange.parseContentRange((Long.MAX_VALUE - 1) + "-" + Long.MAX_VALUE));
    }

    @Test
    void contentRangesRefused() {
        contentRangeRefused(null, "missing");
        contentRangeRefused("", "expected first-last");
        contentRangeRefused("5-4", "before the first");
        contentRangeRefused("bytes 5-4/*", "before the first");
        contentRangeRefused("bytes 5-10/10", "not inside the total");
        contentRangeRefused("bytes 5-10", "needs \"/*\" or \"/total\"");
        contentRangeRefused("bytes 5-10/x", "total length");
        contentRangeRefused("bytes 5-10/", "total length");
        contentRangeRefused("bytes */10", "expected first-last");
        contentRangeRefused("bytes=0-5", "expected first-last");
        contentRangeRefused("5-", "expected first-last");
        contentRangeRefused("-5", "expected first-last");
        contentRangeRefused("0-1-2", "expected first-last");
        contentRangeRefused("0-99999999999999999999", "expected first-last");
        contentRangeRefused("0-" + Long.MAX_VALUE, "longer than a long");
        contentRangeRefused("+0-5", "expected first-last");
    }

    @Test
    void contentRangeOfA206() {
        ByteRange r = ByteRange.parseRange("bytes=2-5", 10);
        assertEquals(5, r.last());
        assertEquals("bytes 2-5/10", r.contentRange(10));
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(Long.MAX_VALUE, 2));
    }
}
