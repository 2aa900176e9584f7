package dev.ferry.upstreams.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys docs/cluster.md gives for each rule of the HAProxy configuration (HaproxyRingIT asks HAProxy itself). */
class RoutingKeyTest {
    @Test
    void eachRuleGivesTheKeyTheDocsName() {
        String digest = "sha256:" + "ab".repeat(32);
        String[][] cases = {
            {"/github.com/!burnt!sushi/toml/@v/v1.2.0.zip", "/github.com/!burnt!sushi/toml/"},
            {"/github.com/!burnt!sushi/toml/@v/list", "/github.com/!burnt!sushi/toml/"},
            {"/golang.org/x/text/@latest", "/golang.org/x/text/"},
            {"/sumdb/sum.golang.org/lookup/golang.org/x/text@v0.3.7", "/golang.org/x/text/"},
            {"/sumdb/sum.golang.org/lookup/golang.org/x/text@v0.3.7/go.mod", "/golang.org/x/text/"},
            {"/sumdb/sum.golang.org/tile/8/0/000.p/81", "/sumdb/sum.golang.org/tile/8/0/000.p/81"},
            {"/sumdb/sum.golang.org/latest", "/sumdb/sum.golang.org/latest"},
            {"/v2/library/alpine/blobs/" + digest, digest},
            {"/v2/a/blobs/b/blobs/" + digest, digest},
            {"/v2/library/alpine/manifests/3.19", "library/alpine"},
            {"/v2/library/alpine/manifests/" + digest, "library/alpine"},
            {"/v2/library/alpine/tags/list", "library/alpine"},
            {"/v2/library/alpine/blobs/uploads/", "library/alpine"},
            {"/v2/", "/v2/"},
            {"/", "console"},
            {"/ui/index.html", "console"},
            {"/admin/api/storage", "console"},
            {"/golang.org/x/text/@v/v1.0.0.info/extra", "/golang.org/x/text/@v/v1.0.0.info/extra"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], RoutingKey.of(c[0]), c[0]);
        }
    }

    @Test
    void hostedRepositoriesAreRoutedByRepositoryBlobsIncluded() {
        String blob = "/v2/team/app/blobs/sha256:" + "cd".repeat(32);
        assertEquals("team/app", RoutingKey.of(blob, List.of("team")));
        assertEquals("sha256:" + "cd".repeat(32), RoutingKey.of(blob));
    }
}
