package dev.ferry.sync.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.go.Snapshot;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.oci.OciStoreNames.TagRecord;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.mirror.sumdb.SumdbStore;
import dev.ferry.mirror.sumdb.SumdbStoreNames;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.protocols.semver.Version;
import dev.ferry.protocols.sumdb.LookupPath;
import dev.ferry.protocols.sumdb.note.Verifier;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Fills a store from the shared fixtures the way the mirrors do (same names, metadata keys and value formats), so
 * the selector and the plain writers read exactly what a ferry that pulled the fixtures through holds.
 */
final class StoreFixtures {
    static final Path FIXTURES = Path.of(System.getProperty("ferry.fixtures", "../../shared/fixtures"));
    static final Path GOCORPUS = FIXTURES.resolve("gocorpus");
    static final Path OCI = FIXTURES.resolve("oci");
    static final String DB = "sum.fixture.example";
    static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

    private StoreFixtures() {}

    static StoredObject put(ContentStore store, byte[] bytes, Chunking chunking, String name) throws IOException {
        try (ObjectWriter w = store.newObject(chunking)) {
            w.write(bytes);
            return w.commit(
                    null, b -> b.putName(name, b.committing().orElseThrow().digest()));
        }
    }

    /** Every module version of the gocorpus proxy, with @v/list and @latest snapshots. */
    static void fillGo(ContentStore store) throws IOException {
        Path proxy = GOCORPUS.resolve("proxy");
        List<Path> files;
        try (Stream<Path> s = Files.walk(proxy)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String rel = proxy.relativize(f).toString();
            if (rel.startsWith("_meta/") || rel.startsWith("sumdb/")) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(f);
            if (rel.endsWith("/@latest")) {
                ModulePath m = ModulePath.unescape(rel.substring(0, rel.length() - "/@latest".length()));
                putMeta(store, GoStoreNames.latest(m), new Snapshot(NOW, "fixture", bytes).encode());
                continue;
            }
            int at = rel.indexOf("/@v/");
            ModulePath m = ModulePath.unescape(rel.substring(0, at));
            String file = rel.substring(at + 4);
            if (file.equals("list")) {
                putMeta(store, GoStoreNames.list(m), new Snapshot(NOW, "fixture", bytes).encode());
                continue;
            }
            int dot = file.lastIndexOf('.');
            Version v = Version.parse(ModulePath.unescapeVersion(file.substring(0, dot)));
            String ext = file.substring(dot + 1);
            try (ObjectWriter w =
                    store.newObject(ext.equals("zip") ? Chunking.ZIP_ENTRIES : Chunking.CONTENT_DEFINED)) {
                w.write(bytes);
                w.commit(null, b -> {
                    StoredObject o = b.committing().orElseThrow();
                    b.putName(GoStoreNames.file(m, v, ext), o.digest());
                    String key = GoStoreNames.versionRecord(m, v);
                    byte[] before = b.currentMeta(key).orElse(new byte[0]);
                    byte[] line = GoStoreNames.versionLine(ext, o.digest().hex(), NOW, "fixture", null);
                    byte[] value = new byte[before.length + line.length];
                    System.arraycopy(before, 0, value, 0, before.length);
                    System.arraycopy(line, 0, value, before.length, line.length);
                    b.putMeta(key, value);
                });
            }
        }
    }

    /** The fixture checksum database: latest, every lookup, its tiles; plus trust state that must not travel. */
    static void fillSumdb(ContentStore store) throws IOException {
        Path root = GOCORPUS.resolve("proxy/sumdb").resolve(DB);
        SumdbStore db = new SumdbStore(store, DB);
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String rel = root.relativize(f).toString();
            byte[] bytes = Files.readAllBytes(f);
            if (rel.equals("latest")) {
                db.putLatest(new Snapshot(NOW, "fixture", bytes));
            } else if (rel.startsWith("lookup/")) {
                db.putLookup(LookupPath.parse(rel), bytes);
            } else if (rel.startsWith("tile/")) {
                db.putTile(Tile.parsePath(rel), bytes, "fixture", NOW);
            }
        }
        putMeta(store, SumdbStoreNames.trusted(DB), Files.readAllBytes(root.resolve("latest")));
        putMeta(store, SumdbStoreNames.evidence(DB, 1), "evidence".getBytes(StandardCharsets.UTF_8));
    }

    /** The fixture checksum database as a site configured with it sees it: its key; nothing to ask it. */
    static SumdbLatest sumdb() throws IOException {
        Verifier key = Verifier.parse(
                Files.readString(GOCORPUS.resolve("proxy/_meta/verifier.key")).strip());
        return new SumdbLatest() {
            @Override
            public Optional<Verifier> verifier(String db) {
                return db.equals(DB) ? Optional.of(key) : Optional.empty();
            }

            @Override
            public Refresh refresh(String db) {
                return new Refresh.Failed("the fixture database is files, not a server");
            }
        };
    }

    record FixtureTag(String ref, String repository, String tag, Digest digest, String mediaType, long size) {}

    /** The fixture layout's tags (images.tsv), each with the manifest descriptor index.json gives it. */
    static List<FixtureTag> fixtureTags() throws IOException {
        JsonNode index =
                new ObjectMapper().readTree(OCI.resolve("layout/index.json").toFile());
        List<FixtureTag> out = new ArrayList<>();
        for (String line : Files.readAllLines(OCI.resolve("images.tsv"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            for (JsonNode m : index.get("manifests")) {
                if (f[0].equals(m.path("annotations")
                        .path("org.opencontainers.image.ref.name")
                        .asText())) {
                    out.add(new FixtureTag(
                            f[0],
                            f[1],
                            f[2],
                            Digest.parse(m.get("digest").asText()),
                            m.get("mediaType").asText(),
                            m.get("size").asLong()));
                }
            }
        }
        return out;
    }

    /** Every fixture tag as a registry mirror of {@code registry} (or hosted, when null) holds it after a pull. */
    static void fillOci(ContentStore store, String registry) throws IOException {
        Target target = registry == null ? Target.HOSTED : Target.mirror(registry);
        for (FixtureTag t : fixtureTags()) {
            RepositoryName repo = RepositoryName.parse(t.repository());
            putManifest(store, target, repo, t.digest(), t.mediaType());
            putMeta(store, OciStoreNames.repository(target, repo), new byte[0]);
            putMeta(
                    store,
                    OciStoreNames.tag(target, repo, Tag.parse(t.tag())),
                    new TagRecord(t.digest(), t.mediaType(), t.size(), NOW, "fixture").encode());
        }
    }

    static byte[] blobBytes(Digest d) throws IOException {
        return Files.readAllBytes(
                OCI.resolve("layout/blobs").resolve(d.algorithm()).resolve(d.hex()));
    }

    /** A manifest, its children and blobs, with links, as an ingest stores them. */
    static void putManifest(ContentStore store, Target target, RepositoryName repo, Digest d, String mediaType)
            throws IOException {
        byte[] bytes = blobBytes(d);
        Manifest m = Manifest.parse(bytes, mediaType);
        if (m.isIndex()) {
            for (var c : m.manifests()) {
                putManifest(store, target, repo, c.digest(), c.mediaType());
            }
        } else {
            for (var r : m.references()) {
                putBlob(store, target, repo, r.digest(), blobBytes(r.digest()));
            }
        }
        putBlob(store, target, repo, d, bytes);
        putMeta(store, OciStoreNames.manifestType(d), mediaType.getBytes(StandardCharsets.UTF_8));
    }

    static void putBlob(ContentStore store, Target target, RepositoryName repo, Digest d, byte[] bytes)
            throws IOException {
        if (store.resolve(OciStoreNames.blob(d)).isEmpty()) {
            put(store, bytes, Chunking.FIXED, OciStoreNames.blob(d));
        }
        putMeta(store, OciStoreNames.link(target, repo, d), new byte[0]);
    }

    static void putMeta(ContentStore store, String key, byte[] value) throws IOException {
        store.update(b -> b.putMeta(key, value));
    }
}
