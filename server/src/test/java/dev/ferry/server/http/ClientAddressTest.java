package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.config.TrustedProxies;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whose address the logs and limits get behind HAProxy: only what trusted proxies wrote counts. */
class ClientAddressTest {
    private static final TrustedProxies HAPROXY = TrustedProxies.parse("10.0.0.5, 10.1.0.0/16,fd00::/8");

    @Test
    void theClientHaproxyAppendedIsTheOneBelieved() {
        assertEquals("192.0.2.7", ClientAddress.forwarded("10.0.0.5", List.of("192.0.2.7"), HAPROXY));
    }

    @Test
    void whatTheClientWroteItselfLeftOfTheProxysEntryIsIgnored() {
        // The client sent "X-Forwarded-For: 203.0.113.9" to look like someone else; HAProxy appended its real address.
        assertEquals("192.0.2.7", ClientAddress.forwarded("10.0.0.5", List.of("203.0.113.9, 192.0.2.7"), HAPROXY));
        assertEquals("192.0.2.7", ClientAddress.forwarded("10.0.0.5", List.of("203.0.113.9", "192.0.2.7"), HAPROXY));
    }

    @Test
    void trustedProxiesInTheChainAreSkippedFromTheRight() {
        assertEquals(
                "192.0.2.7", ClientAddress.forwarded("10.0.0.5", List.of("192.0.2.7, 10.1.4.4, 10.1.9.9"), HAPROXY));
        assertEquals(
                "2001:db8:0:0:0:0:0:1",
                ClientAddress.forwarded("10.0.0.5", List.of("[2001:db8::1]:4711, fd00::3"), HAPROXY));
    }

    @Test
    void portsAreDroppedAndGarbageStopsAtTheLastTrustedHop() {
        assertEquals("192.0.2.7", ClientAddress.forwarded("10.0.0.5", List.of("192.0.2.7:51234"), HAPROXY));
        assertEquals("10.1.4.4", ClientAddress.forwarded("10.0.0.5", List.of("unknown, 10.1.4.4"), HAPROXY));
        assertEquals("10.0.0.5", ClientAddress.forwarded("10.0.0.5", List.of("evil.example"), HAPROXY));
        assertEquals("10.0.0.5", ClientAddress.forwarded("10.0.0.5", List.of(), HAPROXY), "no header: the proxy");
    }

    @Test
    void blocksMatchByPrefixAndNamesAreNeverLookedUp() {
        assertTrue(HAPROXY.trusts(TrustedProxies.literal("10.1.255.1")));
        assertFalse(HAPROXY.trusts(TrustedProxies.literal("10.2.0.1")));
        assertFalse(HAPROXY.trusts(TrustedProxies.literal("10.0.0.6")));
        assertTrue(HAPROXY.trusts(TrustedProxies.literal("fd12::1")));
        assertTrue(TrustedProxies.parse("10.0.0.0/9").trusts(TrustedProxies.literal("10.127.0.1")));
        assertFalse(TrustedProxies.parse("10.0.0.0/9").trusts(TrustedProxies.literal("10.128.0.1")));
        assertNull(TrustedProxies.literal("cafe"), "a word of hex letters is a host name, not an address");
        assertNull(TrustedProxies.literal("1.2.3"));
        assertNull(TrustedProxies.literal("256.1.1.1"));
        assertTrue(TrustedProxies.parse(" ").isEmpty());
    }

    @Test
    void aBadItemIsRefusedByName() {
        assertEquals(
                "not an IP address or ADDRESS/BITS block: haproxy.local",
                assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("10.0.0.5,haproxy.local"))
                        .getMessage());
        assertEquals(
                "prefix length of 10.0.0.0/33 must be 0 to 32",
                assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("10.0.0.0/33"))
                        .getMessage());
    }
}
