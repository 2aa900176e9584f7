package dev.ferry.protocols.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.oci.RegistryRequest.Base;
import dev.ferry.protocols.oci.RegistryRequest.Blob;
import dev.ferry.protocols.oci.RegistryRequest.BlobUpload;
import dev.ferry.protocols.oci.RegistryRequest.Catalog;
import dev.ferry.protocols.oci.RegistryRequest.Manifest;
import dev.ferry.protocols.oci.RegistryRequest.Mount;
import dev.ferry.protocols.oci.RegistryRequest.Page;
import dev.ferry.protocols.oci.RegistryRequest.Referrers;
import dev.ferry.protocols.oci.RegistryRequest.Tags;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegistryRequestTest {
    static final String D = "sha256:" + "a".repeat(64);
    static final Digest DIGEST = Digest.parse(D);
    static final RepositoryName ALPINE = RepositoryName.parse("library/alpine");

    @Test
    void parsesEachResource() {
        assertEquals(new Base(), RegistryRequest.parse("/v2"));
        assertEquals(new Base(), RegistryRequest.parse("/v2/"));
        assertEquals(new Catalog(), RegistryRequest.parse("/v2/_catalog"));
        assertEquals(
                new Manifest(ALPINE, Reference.parse("latest")),
                RegistryRequest.parse("/v2/library/alpine/manifests/latest"));
        assertEquals(
                new Manifest(ALPINE, new Reference.ByDigest(DIGEST)),
                RegistryRequest.parse("/v2/library/alpine/manifests/" + D));
        assertEquals(new Blob(ALPINE, DIGEST), RegistryRequest.parse("/v2/library/alpine/blobs/" + D));
        assertEquals(new BlobUpload(ALPINE, null), RegistryRequest.parse("/v2/library/alpine/blobs/uploads/"));
        assertEquals(new BlobUpload(ALPINE, null), RegistryRequest.parse("/v2/library/alpine/blobs/uploads"));
        assertEquals(
                new BlobUpload(ALPINE, "3f1c-AB_x="),
                RegistryRequest.parse("/v2/library/alpine/blobs/uploads/3f1c-AB_x="));
        assertEquals(new Tags(ALPINE), RegistryRequest.parse("/v2/library/alpine/tags/list"));
        assertEquals(new Referrers(ALPINE, DIGEST), RegistryRequest.parse("/v2/library/alpine/referrers/" + D));
    }

    /** The name takes everything up to the last API suffix, so its components may be the API's own words. */
    @Test
    void theLastSuffixWins() {
        assertEquals(
                new Manifest(RepositoryName.parse("a/manifests/b"), Reference.parse("latest")),
                RegistryRequest.parse("/v2/a/manifests/b/manifests/latest"));
        assertEquals(new Tags(RepositoryName.parse("tags/list")), RegistryRequest.parse("/v2/tags/list/tags/list"));
        assertEquals(
                new Blob(RepositoryName.parse("blobs/uploads"), DIGEST),
                RegistryRequest.parse("/v2/blobs/uploads/blobs/" + D));
        assertEquals(
                new BlobUpload(RepositoryName.parse("referrers"), null),
                RegistryRequest.parse("/v2/referrers/blobs/uploads/"));
        // "uploads" with no '/' after it is still the upload endpoint (the '/' before a session id is optional)
        assertEquals(new BlobUpload(RepositoryName.parse("a"), "x1"), RegistryRequest.parse("/v2/a/blobs/uploadsx1"));
    }

    @Test
    void everyRequestIsNamedByItsPath() {
        for (String p : List.of(
                "/v2/",
                "/v2/_catalog",
                "/v2/library/alpine/manifests/latest",
                "/v2/library/alpine/manifests/" + D,
                "/v2/a/blobs/" + D,
                "/v2/a/b/c/blobs/uploads/",
                "/v2/a/blobs/uploads/abc",
                "/v2/a/tags/list",
                "/v2/a/referrers/" + D)) {
            RegistryRequest r = RegistryRequest.parse(p);
            assertEquals(p, r.path());
            assertEquals(r, RegistryRequest.parse(r.path()));
        }
    }

    @Test
    void eachResourceSaysItsMethods() {
        assertEquals("GET, HEAD", new Base().allow());
        assertEquals("GET, HEAD", new Catalog().allow());
        assertEquals(
                "GET, HEAD, PUT, DELETE",
                RegistryRequest.parse("/v2/a/manifests/x").allow());
        assertEquals(
                "GET, HEAD, DELETE", RegistryRequest.parse("/v2/a/blobs/" + D).allow());
        assertEquals("POST", RegistryRequest.parse("/v2/a/blobs/uploads/").allow());
        assertEquals(
                "GET, PATCH, PUT, DELETE",
                RegistryRequest.parse("/v2/a/blobs/uploads/s1").allow());
        assertEquals("GET, HEAD", RegistryRequest.parse("/v2/a/tags/list").allow());
        assertEquals("GET, HEAD", RegistryRequest.parse("/v2/a/referrers/" + D).allow());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = ' ',
            value = {
                // not an API path at all
                "/v2/a/b/ NAME_UNKNOWN",
                "/v2/_catalog/ NAME_UNKNOWN",
                "/v2/a/tags/list/ NAME_UNKNOWN",
                "/v2/a/tags NAME_UNKNOWN",
                "/v2/a/manifests/x/y NAME_UNKNOWN",
                "/v2//manifests/x NAME_UNKNOWN",
                "/v2/manifests/x NAME_UNKNOWN",
                "/v2/token NAME_UNKNOWN",
                "/v3/a/manifests/x NAME_UNKNOWN",
                "/V2/a/manifests/x NAME_UNKNOWN",
                "v2/a/manifests/x NAME_UNKNOWN",
                " NAME_UNKNOWN",
                // names, path traversal and encodings
                "/v2/Library/alpine/manifests/latest NAME_INVALID",
                "/v2/library/../alpine/manifests/latest NAME_INVALID",
                "/v2/../../etc/passwd/manifests/latest NAME_INVALID",
                "/v2/a/./b/manifests/latest NAME_INVALID",
                "/v2/a//b/manifests/latest NAME_INVALID",
                "/v2/a//manifests/latest NAME_INVALID",
                "/v2/-a/manifests/latest NAME_INVALID",
                "/v2/a%2fb/manifests/latest NAME_INVALID",
                "/v2/a/%2e%2e/b/manifests/latest NAME_INVALID",
                "/v2/a%00b/manifests/latest NAME_INVALID",
                "/v2/a\\b/manifests/latest NAME_INVALID",
                "/v2/a;b/manifests/latest NAME_INVALID",
                "/v2/caf\u00e9/manifests/latest NAME_INVALID",
                // the name is checked before what follows it
                "/v2/A/manifests/-x NAME_INVALID",
                "/v2/A/blobs/md5:00 NAME_INVALID",
                // references
                "/v2/a/manifests/-latest TAG_INVALID",
                "/v2/a/manifests/.hidden TAG_INVALID",
                "/v2/a/manifests/.. TAG_INVALID",
                "/v2/a/manifests/%2e%2e TAG_INVALID",
                "/v2/a/manifests/ TAG_INVALID",
                "/v2/a/manifests/sha256:xyz DIGEST_INVALID",
                // digests
                "/v2/a/blobs/md5:d41d8cd98f00b204e9800998ecf8427e DIGEST_INVALID",
                "/v2/a/blobs/sha256:abc DIGEST_INVALID",
                "/v2/a/blobs/sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA DIGEST_INVALID",
                "/v2/a/blobs/ DIGEST_INVALID",
                "/v2/a/blobs/.. DIGEST_INVALID",
                "/v2/a/blobs/sha256%3a"
                        + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa DIGEST_INVALID",
                "/v2/a/referrers/sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709 DIGEST_INVALID",
                "/v2/a/referrers/ DIGEST_INVALID",
                // upload sessions
                "/v2/a/blobs/uploads/a.b BLOB_UPLOAD_UNKNOWN",
                "/v2/a/blobs/uploads/.. BLOB_UPLOAD_UNKNOWN",
                "/v2/a/blobs/uploads/%2e%2e BLOB_UPLOAD_UNKNOWN",
                "/v2/a/blobs/uploads/a%2fb BLOB_UPLOAD_UNKNOWN",
            })
    void refusedWithTheSpecCode(String path, OciErrorCode code) {
        assertRefused(path == null ? "" : path, code);
    }

    @Test
    void limits() {
        assertRefused("/v2/" + "a/".repeat(127) + "bc/manifests/x", OciErrorCode.NAME_INVALID); // 256 characters
        assertEquals(
                new Manifest(RepositoryName.parse("a/".repeat(127) + "b"), Reference.parse("x")),
                RegistryRequest.parse("/v2/" + "a/".repeat(127) + "b/manifests/x"));
        assertRefused("/v2/a/manifests/" + "t".repeat(129), OciErrorCode.TAG_INVALID);
        assertRefused("/v2/a/blobs/uploads/" + "s".repeat(129), OciErrorCode.BLOB_UPLOAD_UNKNOWN);
        assertEquals(
                new BlobUpload(RepositoryName.parse("a"), "s".repeat(128)),
                RegistryRequest.parse("/v2/a/blobs/uploads/" + "s".repeat(128)));
    }

    @Test
    void aLineTerminatorInTheNameIsNoApiPath() {
        assertRefused("/v2/a\nb/manifests/x", OciErrorCode.NAME_UNKNOWN);
        assertRefused("/v2/a/manifests/x\ny", OciErrorCode.TAG_INVALID);
    }

    @Test
    void queryIsSplitAndDecoded() {
        RegistryQuery q = RegistryQuery.parse("n=10&last=a%2Fb&&flag&ns=docker.io&n=20&sp=a+b%20c");
        assertEquals("10", q.first("n"));
        assertEquals(List.of("10", "20"), q.values().get("n"));
        assertEquals("a/b", q.first("last"));
        assertEquals("", q.first("flag"));
        assertEquals("a b c", q.first("sp"));
        assertEquals("docker.io", q.namespace());
        assertNull(q.first("absent"));
        assertEquals(RegistryQuery.EMPTY, RegistryQuery.parse(null));
        assertEquals(RegistryQuery.EMPTY, RegistryQuery.parse(""));
        assertEquals("=x", RegistryQuery.parse("k==x").first("k"));
    }

    @Test
    void malformedQueryEscapes() {
        for (String raw : List.of("n=%zz", "n=%", "n=%4", "%g0=1")) {
            OciFormatException e = assertThrows(OciFormatException.class, () -> RegistryQuery.parse(raw), raw);
            assertEquals(OciErrorCode.NAME_INVALID, e.code());
            assertEquals("malformed query string", e.getMessage());
        }
    }

    @Test
    void tagsPage() {
        Tags tags = new Tags(ALPINE);
        assertEquals(new Page(-1, null), tags.page(RegistryQuery.EMPTY));
        assertEquals(new Page(0, null), tags.page(RegistryQuery.parse("n=0")));
        assertEquals(new Page(RegistryRequest.MAX_PAGE, "v1.0"), tags.page(RegistryQuery.parse("n=10000&last=v1.0")));
        assertEquals(new Page(5, null), tags.page(RegistryQuery.parse("n=%2B5")));
        for (String bad : List.of("n=-1", "n=10001", "n=ten", "n=", "n=1.5", "n=99999999999", "n=0x10")) {
            assertRefused(() -> tags.page(RegistryQuery.parse(bad)), OciErrorCode.PAGINATION_NUMBER_INVALID);
        }
        assertRefused(() -> tags.page(RegistryQuery.parse("last=-x")), OciErrorCode.TAG_INVALID);
        assertRefused(() -> tags.page(RegistryQuery.parse("last=")), OciErrorCode.TAG_INVALID);
        assertRefused(() -> tags.page(RegistryQuery.parse("last=..%2F..")), OciErrorCode.TAG_INVALID);
        // n is checked before last
        assertRefused(() -> tags.page(RegistryQuery.parse("last=-x&n=-1")), OciErrorCode.PAGINATION_NUMBER_INVALID);
    }

    @Test
    void catalogPage() {
        Catalog catalog = new Catalog();
        assertEquals(new Page(-1, null), catalog.page(RegistryQuery.EMPTY));
        assertEquals(
                new Page(2, "docker.io/library/alpine"),
                catalog.page(RegistryQuery.parse("n=2&last=docker.io/library/alpine")));
        assertEquals(new Page(-1, "-x"), catalog.page(RegistryQuery.parse("last=-x")), "last is any text");
        assertRefused(() -> catalog.page(RegistryQuery.parse("n=99999999999")), OciErrorCode.PAGINATION_NUMBER_INVALID);
    }

    @Test
    void uploadParameters() {
        BlobUpload start = new BlobUpload(ALPINE, null);
        assertNull(start.digest(RegistryQuery.EMPTY));
        assertEquals(DIGEST, start.digest(RegistryQuery.parse("digest=" + D)));
        assertRefused(() -> start.digest(RegistryQuery.parse("digest=sha256:zz")), OciErrorCode.DIGEST_INVALID);
        assertRefused(() -> start.digest(RegistryQuery.parse("digest=")), OciErrorCode.DIGEST_INVALID);

        BlobUpload session = new BlobUpload(ALPINE, "abc");
        assertEquals(DIGEST, session.finishingDigest(RegistryQuery.parse("digest=" + D)));
        OciFormatException e =
                assertThrows(OciFormatException.class, () -> session.finishingDigest(RegistryQuery.EMPTY));
        assertEquals(OciErrorCode.DIGEST_INVALID, e.code());
        assertEquals("finishing an upload needs ?digest=", e.getMessage());
        assertRefused(() -> session.finishingDigest(RegistryQuery.parse("digest=md5:00")), OciErrorCode.DIGEST_INVALID);

        assertNull(start.mount(RegistryQuery.EMPTY));
        assertNull(start.mount(RegistryQuery.parse("from=team/other")), "from without mount is no mount");
        assertEquals(
                new Mount(DIGEST, RepositoryName.parse("team/other")),
                start.mount(RegistryQuery.parse("mount=" + D + "&from=team/other")));
        assertEquals(new Mount(DIGEST, null), start.mount(RegistryQuery.parse("mount=" + D)));
        assertRefused(
                () -> start.mount(RegistryQuery.parse("mount=md5:00&from=team/other")), OciErrorCode.DIGEST_INVALID);
        assertRefused(() -> start.mount(RegistryQuery.parse("mount=" + D + "&from=Team")), OciErrorCode.NAME_INVALID);
        assertRefused(
                () -> start.mount(RegistryQuery.parse("mount=" + D + "&from=team/../x")), OciErrorCode.NAME_INVALID);
    }

    @Test
    void referrersFilter() {
        Referrers r = new Referrers(ALPINE, DIGEST);
        assertNull(r.artifactType(RegistryQuery.EMPTY));
        assertEquals(
                "application/vnd.example+json",
                r.artifactType(RegistryQuery.parse("artifactType=application%2Fvnd.example%2Bjson")));
    }

    private static void assertRefused(String path, OciErrorCode code) {
        assertRefused(() -> RegistryRequest.parse(path), code);
    }

    private static void assertRefused(Runnable parse, OciErrorCode code) {
        OciFormatException e = assertThrows(OciFormatException.class, parse::run);
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f), e.getMessage());
    }
}
