package dev.ferry.bench.console;

import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.oci.OciStoreNames.Target;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.protocols.semver.Version;
import dev.ferry.storage.Chunking;
import dev.ferry.storage.ObjectWriter;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoreBatch;
import dev.ferry.storage.StoreOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Makes a ferry data directory as large as the web console must stay fast with (bench/console/README.md):
 * {@code MODULES} Go modules of {@code VERSIONS} versions each (version records, names of .info/.mod/.zip, a pin on
 * every tenth version), {@code TAGS} tags over {@code REPOS} repositories of one mirrored registry, with one
 * multi-arch image whose manifests are stored, and an audit log of {@code AUDIT} lines. Files share a pool of 600
 * small objects: a page's cost is its key scans and point lookups, which do not depend on the bytes behind them,
 * and 300,000 synced object commits would take longer than the measurement.
 *
 * <p>{@code java -cp bench/target/classes:bench/target/lib/* dev.ferry.bench.console.ConsoleStore DATA MODULES
 * VERSIONS REPOS TAGS AUDIT}
 */
public final class ConsoleStore {
    private static final int BATCH = 5000;
    private static final int POOL = 600;

    private ConsoleStore() {}

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        int modules = Integer.parseInt(args[1]);
        int versions = Integer.parseInt(args[2]);
        int repos = Integer.parseInt(args[3]);
        int tags = Integer.parseInt(args[4]);
        int audit = Integer.parseInt(args[5]);
        Files.createDirectories(data.resolve("store"));
        long start = System.nanoTime();
        try (RocksContentStore store = RocksContentStore.open(data.resolve("store"), StoreOptions.defaults())) {
            List<Sha256> pool = objects(store);
            go(store, pool, modules, versions);
            oci(store, repos, tags);
        }
        audit(data.resolve("audit.log"), audit);
        System.out.printf(
                "%d module versions, %d tags, %d audit lines in %s (%.1f s)%n",
                (long) modules * versions, tags, audit, data, (System.nanoTime() - start) / 1e9);
    }

    private static List<Sha256> objects(RocksContentStore store) throws IOException {
        List<Sha256> out = new ArrayList<>();
        Random random = new Random(15);
        for (int i = 0; i < POOL; i++) {
            byte[] bytes = new byte[200 + random.nextInt(4000)];
            random.nextBytes(bytes);
            out.add(commit(store, bytes, b -> {}));
        }
        return out;
    }

    private static Sha256 commit(RocksContentStore store, byte[] bytes, Consumer<StoreBatch> changes)
            throws IOException {
        try (ObjectWriter w = store.newObject(Chunking.FIXED)) {
            w.write(bytes, 0, bytes.length);
            return w.commit(null, changes).digest();
        }
    }

    private static void go(RocksContentStore store, List<Sha256> pool, int modules, int versions) throws IOException {
        Instant stored = Instant.parse("2026-11-01T00:00:00Z");
        List<Consumer<StoreBatch>> batch = new ArrayList<>();
        int n = 0;
        for (int m = 0; m < modules; m++) {
            // Some paths with capitals, as real ones have (github.com/BurntSushi/...): escaped in keys.
            String path = (m % 7 == 0 ? "github.com/Gen" : "example.com/gen")
                    + String.format("/m%05d", m)
                    + (m % 3 == 0 ? "/sub/pkg" : "");
            ModulePath module = ModulePath.parse(path);
            for (int v = 0; v < versions; v++) {
                Version version = Version.parse("v1." + v + ".0");
                int k = n++;
                batch.add(b -> {
                    StringBuilder record = new StringBuilder();
                    for (String ext : GoStoreNames.FILE_EXTS) {
                        Sha256 d = pool.get(Math.floorMod(k * 3 + ext.hashCode(), pool.size()));
                        b.putName(GoStoreNames.file(module, version, ext), d);
                        String h1 = ext.equals("info") ? null : "h1:" + base64(d.bytes());
                        record.append(new String(
                                GoStoreNames.versionLine(ext, d.hex(), stored, "https://proxy.example", h1),
                                StandardCharsets.UTF_8));
                        if (k % 10 == 0) {
                            b.pin("prewarm:" + module.value() + "@" + version, d);
                        }
                    }
                    b.putMeta(
                            GoStoreNames.versionRecord(module, version),
                            record.toString().getBytes(StandardCharsets.UTF_8));
                });
                if (batch.size() == BATCH) {
                    flush(store, batch);
                }
            }
        }
        flush(store, batch);
    }

    private static void flush(RocksContentStore store, List<Consumer<StoreBatch>> batch) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        List<Consumer<StoreBatch>> work = List.copyOf(batch);
        batch.clear();
        store.update(b -> work.forEach(c -> c.accept(b)));
    }

    private static void oci(RocksContentStore store, int repos, int tags) throws IOException {
        Target target = Target.mirror("docker.io");
        // One stored multi-arch image (an index and two manifests) that every tag points at.
        List<String> layers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            layers.add(blob(store, ("layer " + i).getBytes(StandardCharsets.UTF_8)));
        }
        String config = blob(store, "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8));
        List<String> platforms = List.of("amd64", "arm64");
        List<String> manifests = new ArrayList<>();
        for (String arch : platforms) {
            String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config
                    + "\",\"size\":40},\"layers\":["
                    + String.join(
                            ",",
                            layers.stream()
                                    .map(l ->
                                            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\""
                                                    + l + "\",\"size\":7}")
                                    .toList())
                    + "],\"annotations\":{\"arch\":\"" + arch + "\"}}";
            manifests.add(manifest(store, manifest, "application/vnd.oci.image.manifest.v1+json"));
        }
        StringBuilder index = new StringBuilder(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
        for (int i = 0; i < platforms.size(); i++) {
            index.append(i == 0 ? "" : ",")
                    .append("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"")
                    .append(manifests.get(i))
                    .append("\",\"size\":500,\"platform\":{\"os\":\"linux\",\"architecture\":\"")
                    .append(platforms.get(i))
                    .append("\"}}");
        }
        index.append("]}");
        String top = manifest(store, index.toString(), "application/vnd.oci.image.index.v1+json");
        Digest digest = Digest.parse(top);
        // Half the tags in one repository (the longest tag list), the rest spread over the others.
        List<Consumer<StoreBatch>> batch = new ArrayList<>();
        Instant resolved = Instant.parse("2026-11-01T00:00:00Z");
        for (int t = 0; t < tags; t++) {
            int r = t < tags / 2 ? 0 : 1 + t % Math.max(1, repos - 1);
            RepositoryName repo = RepositoryName.parse(String.format("gen/repo%04d", r));
            Tag tag = Tag.parse(String.format("t%06d", t));
            batch.add(b -> {
                b.putMeta(OciStoreNames.repository(target, repo), new byte[0]);
                b.putMeta(
                        OciStoreNames.tag(target, repo, tag),
                        new OciStoreNames.TagRecord(
                                        digest,
                                        "application/vnd.oci.image.index.v1+json",
                                        300,
                                        resolved,
                                        "https://registry.example")
                                .encode());
            });
            if (batch.size() == BATCH) {
                flush(store, batch);
            }
        }
        flush(store, batch);
    }

    private static String blob(RocksContentStore store, byte[] bytes) throws IOException {
        String digest = "sha256:" + HexFormat.of().formatHex(sha256(bytes));
        commit(store, bytes, b -> b.putName(OciStoreNames.blob(Digest.parse(digest)), Sha256.of(sha256(bytes))));
        return digest;
    }

    private static String manifest(RocksContentStore store, String json, String mediaType) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        String digest = "sha256:" + HexFormat.of().formatHex(sha256(bytes));
        Digest d = Digest.parse(digest);
        commit(store, bytes, b -> {
            b.putName(OciStoreNames.blob(d), Sha256.of(sha256(bytes)));
            b.putMeta(OciStoreNames.manifestType(d), mediaType.getBytes(StandardCharsets.UTF_8));
        });
        return digest;
    }

    private static void audit(Path file, int lines) throws IOException {
        Instant t = Instant.parse("2026-11-01T00:00:00Z");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < lines; i++) {
                String action = i % 5 == 0 ? "POST /admin/api/exports" : "POST /admin/api/prewarm";
                int status = i % 17 == 0 ? 401 : 202;
                out.write(("{\"time\":\"" + t.plusSeconds(i * 30L) + "\",\"who\":\""
                                + (status == 401 ? "unauthenticated" : "token:3f9a0c12d4e5")
                                + "\",\"from\":\"10.0.0.7\",\"action\":\"" + action + "\",\"target\":\"go.mod "
                                + i + "\",\"status\":" + status + ",\"result\":\"started " + i + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64(byte[] bytes) {
        return java.util.Base64.getEncoder().encodeToString(bytes);
    }
}
