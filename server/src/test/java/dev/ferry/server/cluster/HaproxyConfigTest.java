package dev.ferry.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What 'ferry cluster haproxy-config' accepts and writes (HAProxy itself checks it in DeployManifestsIT). */
class HaproxyConfigTest {

    @Test
    void nodesAreNamedByTheirFirstLabelWhenThatIsUniqueElseByHostAndPort() {
        assertEquals(
                List.of(
                        new HaproxyConfig.Node("ferry-0", "ferry-0.ferry-pods:8080"),
                        new HaproxyConfig.Node("ferry-1", "ferry-1.ferry-pods:8080")),
                HaproxyConfig.nodes(List.of("http://ferry-0.ferry-pods:8080/", "http://ferry-1.ferry-pods:8080")));
        assertEquals(
                List.of(
                        new HaproxyConfig.Node("127.0.0.1:8081", "127.0.0.1:8081"),
                        new HaproxyConfig.Node("127.0.0.1:8082", "127.0.0.1:8082")),
                HaproxyConfig.nodes(List.of("http://127.0.0.1:8081", "http://127.0.0.1:8082")));
        assertEquals(
                List.of(new HaproxyConfig.Node("a.x:1", "a.x:1"), new HaproxyConfig.Node("a.y:1", "a.y:1")),
                HaproxyConfig.nodes(List.of("http://a.x:1", "http://a.y:1")),
                "the same first label twice");
    }

    @Test
    void aNodeMustBePlainHttpWithAPortAndNoPathAndGivenOnce() {
        for (String bad :
                List.of("https://ferry-0:8443", "http://ferry-0", "http://ferry-0:8080/ferry", "ferry-0:8080")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> HaproxyConfig.nodes(List.of(bad)), bad);
            assertTrue(e.getMessage().startsWith("node " + bad + ": "), e.getMessage());
        }
        assertEquals(
                "node http://a:1/ is given twice",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> HaproxyConfig.nodes(List.of("http://a:1", "http://a:1/")))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> HaproxyConfig.nodes(List.of()));
    }

    @Test
    void everyNodeIsAServerAndHostedRepositoriesGetTheirOwnRouting() {
        List<HaproxyConfig.Node> nodes = HaproxyConfig.nodes(List.of("http://a:1", "http://b:2"));
        String plain = HaproxyConfig.render("127.0.0.1:8080", nodes, List.of());
        assertTrue(plain.contains("\n    bind 127.0.0.1:8080\n"), plain);
        assertTrue(plain.contains("\n    server a a:1\n    server b b:2\n"), plain);
        assertTrue(plain.contains("\n    hash-type consistent\n    balance hash var(txn.ferry_key)\n"), plain);
        assertFalse(plain.contains("acl hosted"), plain);
        String hosted = HaproxyConfig.render(":8080", nodes, List.of("team", "apps/web"));
        assertTrue(hosted.contains("\n    acl hosted path_beg /v2/team/ /v2/apps/web/\n"), hosted);
        assertThrows(IllegalArgumentException.class, () -> HaproxyConfig.render(":8080", nodes, List.of("Team")));
        assertThrows(IllegalArgumentException.class, () -> HaproxyConfig.render(":8080", nodes, List.of("a b")));
        assertThrows(IllegalArgumentException.class, () -> HaproxyConfig.render("8080", nodes, List.of()));
        assertThrows(IllegalArgumentException.class, () -> HaproxyConfig.render(":8080\n", nodes, List.of()));
    }
}
