package dev.ferry.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cluster.*: the peers (without this node), the token from one place only, and what is refused. */
class ClusterSettingsTest {
    private static final String TOKEN = "0123456789abcdef0123";

    @TempDir
    Path tmp;

    private ClusterConfig load(Map<Setting, String> flags, Map<String, String> env, String yaml) throws Exception {
        Path file = null;
        if (yaml != null) {
            file = tmp.resolve("ferry.yaml");
            Files.writeString(file, yaml);
        }
        return ConfigLoader.load(flags, env, file).cluster();
    }

    @Test
    void noClusterByDefault() throws Exception {
        ClusterConfig c = load(Map.of(), Map.of(), null);
        assertEquals(List.of(), c.peers());
        assertNull(c.token());
        assertFalse(c.answersPeers());
        assertEquals(Duration.ofSeconds(2), c.peerTimeout());
    }

    @Test
    void theSameListOnEveryNodeLeavesOutThisNode() throws Exception {
        ClusterConfig c = load(
                Map.of(
                        Setting.CLUSTER_PEERS,
                        "http://Ferry-1:8080/,http://ferry-2:8080, https://ferry-3",
                        Setting.CLUSTER_SELF,
                        "http://ferry-1:8080"),
                Map.of("FERRY_CLUSTER_TOKEN", TOKEN),
                null);
        assertEquals(List.of(URI.create("http://ferry-2:8080"), URI.create("https://ferry-3:443")), c.peers());
        assertEquals(URI.create("http://ferry-1:8080"), c.self());
        assertEquals(TOKEN, c.token());
        assertTrue(c.answersPeers());
    }

    @Test
    void theYamlGroupAndATokenFile() throws Exception {
        Path secret = tmp.resolve("cluster-token");
        Files.writeString(secret, TOKEN + "\n");
        ClusterConfig c = load(Map.of(), Map.of(), """
                cluster:
                  peers: [http://a:1, http://b:2]
                  tokenFile: %s
                  peerTimeout: 500ms
                """.formatted(secret));
        assertEquals(List.of(URI.create("http://a:1"), URI.create("http://b:2")), c.peers());
        assertEquals(TOKEN, c.token());
        assertEquals(Duration.ofMillis(500), c.peerTimeout());
    }

    @Test
    void aNodeMayAnswerPeersWithoutAskingAny() throws Exception {
        ClusterConfig c = load(Map.of(), Map.of("FERRY_CLUSTER_TOKEN", TOKEN), null);
        assertEquals(List.of(), c.peers());
        assertTrue(c.answersPeers());
    }

    @Test
    void refusedWithTheSettingAndNeverTheToken() throws Exception {
        Path secret = tmp.resolve("t");
        Files.writeString(secret, TOKEN);
        String[][] cases = {
            {"FERRY_PEERS", "http://a:1", null, "needs the cluster token"},
            {"FERRY_PEERS", "ftp://a:1", TOKEN, "invalid cluster.peers"},
            {"FERRY_PEERS", "http://a:1/ferry", TOKEN, "no path"},
            {"FERRY_PEERS", "http://user:pw@a:1", TOKEN, "no credentials"},
            {"FERRY_PEER_TIMEOUT", "0", TOKEN, "invalid cluster.peerTimeout"},
            {"FERRY_NODE_URL", "a:1", TOKEN, "invalid cluster.self"},
            {"FERRY_PEERS", "http://a:1", "short-secret", "at least 16"},
            {"FERRY_PEERS", "http://a:1", "has spaces inside it ok", "without spaces"},
            {"FERRY_CLUSTER_TOKEN_FILE", secret.toString(), TOKEN, "give one"},
            {"FERRY_CLUSTER_TOKEN_FILE", tmp.resolve("missing").toString(), null, "invalid cluster.tokenFile"},
        };
        for (String[] c : cases) {
            Map<String, String> env = new java.util.HashMap<>(Map.of(c[0], c[1]));
            if (c[2] != null) {
                env.put("FERRY_CLUSTER_TOKEN", c[2]);
            }
            ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(), env, null), c[1]);
            assertTrue(e.getMessage().contains(c[3]), e.getMessage());
            if (c[2] != null) {
                assertFalse(e.getMessage().contains(c[2]), "the token is never in a message: " + e.getMessage());
            }
        }
    }
}
