package dev.ferry.server.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.config.OutboundSettings;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoProxyRulesTest {
    private final NoProxyRules rules = NoProxyRules.parse(List.of(
            "corp.example", ".internal", "*.lab.test", "10.0.0.0/8", "192.168.1.7", "[fd00::]/8", "mirror.io:8443"));

    @Test
    void namesMatchThemselvesAndSubdomainsOnly() {
        assertTrue(rules.direct("corp.example", 443));
        assertTrue(rules.direct("proxy.golang.corp.example", 443));
        assertFalse(rules.direct("notcorp.example", 443));
        assertTrue(rules.direct("a.b.internal", 443));
        assertTrue(rules.direct("internal", 443));
        assertTrue(rules.direct("x.lab.test", 443));
        assertTrue(rules.direct("CORP.EXAMPLE.", 443), "case and a trailing dot");
        assertFalse(rules.direct("proxy.golang.org", 443));
    }

    @Test
    void addressesAndRangesMatchLiteralsOnly() {
        assertTrue(rules.direct("10.1.2.3", 443));
        assertFalse(rules.direct("11.1.2.3", 443));
        assertTrue(rules.direct("192.168.1.7", 80));
        assertFalse(rules.direct("192.168.1.8", 80));
        assertTrue(rules.direct("[fd12::1]", 443));
        assertFalse(rules.direct("[fe80::1]", 443));
    }

    @Test
    void aPortNarrowsAnEntryAndLoopbackIsAlwaysDirect() {
        assertTrue(rules.direct("mirror.io", 8443));
        assertFalse(rules.direct("mirror.io", 443));
        NoProxyRules none = NoProxyRules.parse(List.of());
        assertTrue(none.direct("localhost", 1));
        assertTrue(none.direct("127.0.0.5", 1));
        assertTrue(none.direct("[::1]", 1));
        assertFalse(none.direct("example.com", 443));
        assertTrue(NoProxyRules.parse(List.of("*")).direct("example.com", 443));
    }

    @Test
    void theSelectorPicksTheProxyBySchemeUnlessTheHostGoesDirect() {
        UpstreamProxies p = new UpstreamProxies(new OutboundSettings(
                URI.create("http://secure-proxy:3128"), URI.create("http://plain-proxy:8080"), List.of(".corp"), null));
        Proxy https = p.select(URI.create("https://proxy.golang.org/x")).getFirst();
        assertEquals("secure-proxy", ((InetSocketAddress) https.address()).getHostString());
        assertEquals(3128, ((InetSocketAddress) https.address()).getPort());
        Proxy http = p.select(URI.create("http://goproxy.io/x")).getFirst();
        assertEquals("plain-proxy", ((InetSocketAddress) http.address()).getHostString());
        assertEquals(
                Proxy.NO_PROXY, p.select(URI.create("https://athens.corp/x")).getFirst());
        assertEquals(
                Proxy.NO_PROXY, p.select(URI.create("https://127.0.0.1:9/x")).getFirst());
    }
}
