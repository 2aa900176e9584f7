package dev.ferry.mirror.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.oci.OciStoreNames.Link;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.mirror.oci.OciStoreNames.TargetRepository;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The OCI key grammar: the exact keys stores hold, and reading them back. */
class OciStoreNamesTest {
    static final Digest D = Digest.parse("sha256:" + "ab".repeat(32));
    static final Digest S = Digest.parse("sha256:" + "cd".repeat(32));
    static final RepositoryName REPO = RepositoryName.parse("library/tiny");
    static final Target HUB = Target.mirror("docker.io");

    @Test
    void keysAreSpelledAsStoresHoldThem() {
        assertEquals("oci/blob/" + D, OciStoreNames.blob(D));
        assertEquals("oci/manifest/" + D, OciStoreNames.manifestType(D));
        assertEquals("oci/repos/h/library/tiny", OciStoreNames.repository(Target.HOSTED, REPO));
        assertEquals("oci/repos/m/docker.io/library/tiny", OciStoreNames.repository(HUB, REPO));
        assertEquals("oci/repo/m/docker.io/library/tiny:tag:latest", OciStoreNames.tag(HUB, REPO, new Tag("latest")));
        assertEquals("oci/repo/h/library/tiny:link:" + D, OciStoreNames.link(Target.HOSTED, REPO, D));
        assertEquals("oci/repo/h/library/tiny:ref:" + S + ":" + D, OciStoreNames.referrer(Target.HOSTED, REPO, S, D));
        assertEquals("oci/hosted-pinned", OciStoreNames.hostedPinnedMarker());
    }

    @Test
    void blobsAndCatalogEntriesReadBack() {
        assertEquals(Optional.of(D), OciStoreNames.parseBlob(OciStoreNames.blob(D)));
        assertEquals(Optional.empty(), OciStoreNames.parseBlob("oci/blob/not-a-digest"));
        assertEquals(Optional.empty(), OciStoreNames.parseBlob(OciStoreNames.manifestType(D)));
        assertEquals(
                Optional.of(new TargetRepository(HUB, REPO)),
                OciStoreNames.parseRepository(OciStoreNames.repository(HUB, REPO)));
        assertEquals(
                Optional.of(new TargetRepository(Target.HOSTED, REPO)),
                OciStoreNames.parseRepository(OciStoreNames.repository(Target.HOSTED, REPO)));
        for (String other : new String[] {
            "oci/repos/x/library/tiny",
            "oci/repos/m/docker.io",
            "oci/repos/m//a",
            "oci/repos/h/Not_A_Repo",
            OciStoreNames.tag(HUB, REPO, new Tag("v1"))
        }) {
            assertEquals(Optional.empty(), OciStoreNames.parseRepository(other), other);
        }
        assertEquals(Optional.of("docker.io"), HUB.registry());
        assertEquals(Optional.empty(), Target.HOSTED.registry());
    }

    @Test
    void linksReadBackAndTagsAreTold() {
        assertEquals(
                Optional.of(new Link(new TargetRepository(HUB, REPO), D)),
                OciStoreNames.parseLink(OciStoreNames.link(HUB, REPO, D)));
        assertEquals(
                Optional.of(new Link(new TargetRepository(Target.HOSTED, REPO), D)),
                OciStoreNames.parseLink(OciStoreNames.link(Target.HOSTED, REPO, D)));
        assertEquals(Optional.empty(), OciStoreNames.parseLink(OciStoreNames.tag(HUB, REPO, new Tag("v1"))));
        assertEquals(Optional.empty(), OciStoreNames.parseLink(OciStoreNames.referrer(HUB, REPO, S, D)));
        assertEquals(Optional.empty(), OciStoreNames.parseLink("oci/repo/h/library/tiny:link:nope"));
        assertTrue(OciStoreNames.isTag(OciStoreNames.tag(Target.HOSTED, REPO, new Tag("v1"))));
        assertFalse(OciStoreNames.isTag(OciStoreNames.link(Target.HOSTED, REPO, D)));
        assertFalse(OciStoreNames.isTag("oci/repos/h/a:tag:b"));
    }
}
