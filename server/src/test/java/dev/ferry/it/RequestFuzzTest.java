package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.Ferry;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.Setting;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile clients, generated: thousands of mutated requests over every route family (GOPROXY paths, the checksum
 * database, the /v2/ registry with its token endpoint and hosted uploads, the admin API, health, metrics), sent over
 * raw sockets so that malformed request lines and heads are as easy to send as well-formed requests with mutated
 * paths, headers and bodies. Every answer must be below 500 (or a quiet close), and the server must still answer
 * afterwards (guide: "every bad input gets a clear 4xx, never a 5xx or a hang").
 *
 * <p>The requests are generated up front from one seed, printed at the start; {@code -Dferry.fuzz.seed=N} replays a
 * run, {@code -Dferry.fuzz.requests=N} changes its size. Upstreams are all up (a static Go proxy with the fixture's
 * modules and checksum database, an offline registry), so an honest 502/503 for a dead upstream cannot occur: any
 * 5xx is a bug.
 */
class RequestFuzzTest {
    private static final String ADMIN_TOKEN = "fuzz-admin-token";
    private static final String USER = "fuzzer";
    private static final String PASSWORD = "fuzz-password";
    private static final String DIGEST = "sha256:" + "a".repeat(64);

    @TempDir
    Path tmp;

    private StaticGoProxy upstream;
    private Ferry ferry;

    /** One generated request: its bytes as sent, its family, and whether it was built malformed on purpose. */
    private record Fuzzed(int index, String family, byte[] bytes, boolean raw) {
        String shown() {
            String text = new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.ISO_8859_1);
            StringBuilder out = new StringBuilder();
            for (char c : text.toCharArray()) {
                out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
            }
            return out.toString();
        }
    }

    @BeforeEach
    void start() throws Exception {
        upstream = new StaticGoProxy(Fixtures.goProxyTree());
        Path users = tmp.resolve("users");
        byte[] salt = new byte[16];
        new Random(1).nextBytes(salt);
        Files.writeString(users, USER + ":" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 5) + "\n");
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.put(Setting.LISTEN, "127.0.0.1:0");
        flags.put(Setting.DATA, tmp.resolve("data").toString());
        flags.put(Setting.GO_UPSTREAM, upstream.url());
        // With the database's URL on the static proxy: its own name does not resolve, and a dead source would make
        // a tile nobody has an honest 503 instead of a 404.
        flags.put(Setting.GO_SUMDB, Fixtures.sumdbKey() + " " + upstream.url() + "/sumdb/sum.fixture.example");
        flags.put(Setting.GO_PRIVATE, "private.example");
        // from the static upstream, as a site proxy: fuzzed private paths must not start go commands
        flags.put(Setting.GO_PRIVATE_UPSTREAM, upstream.url());
        flags.put(Setting.OCI_REGISTRIES, "docker.io=off");
        flags.put(Setting.OCI_HOSTED, "team");
        flags.put(Setting.OCI_USERS, users.toString());
        flags.put(Setting.OCI_MAX_UPLOAD_SIZE, "1MiB");
        flags.put(Setting.ADMIN_TOKEN, ADMIN_TOKEN);
        flags.put(Setting.ACCESS_MODULES, "github.com/google");
        flags.put(Setting.ACCESS_LOG, "false");
        flags.put(Setting.LOG_LEVEL, "error");
        ferry = Ferry.start(ConfigLoader.load(flags, Map.of(), null));
    }

    @AfterEach
    void stop() {
        if (ferry != null) {
            ferry.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void thousandsOfMutatedRequestsOverEveryRouteFamilyGetNo5xxAndTheServerStillAnswers() throws Exception {
        long seed = Long.getLong("ferry.fuzz.seed", System.nanoTime());
        int count = Integer.getInteger("ferry.fuzz.requests", 2400);
        System.out.println("RequestFuzzTest: seed " + seed + " (replay with -Dferry.fuzz.seed=" + seed + "), " + count
                + " requests");
        List<Fuzzed> requests = new Generator(new Random(seed), ferry.port()).generate(count);

        Map<String, Map<String, AtomicInteger>> statuses = new ConcurrentHashMap<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (Fuzzed f : requests) {
                done.add(pool.submit(() -> {
                    String status = send(ferry.port(), f.bytes());
                    statuses.computeIfAbsent(f.family(), k -> new ConcurrentHashMap<>())
                            .computeIfAbsent(status, k -> new AtomicInteger())
                            .incrementAndGet();
                    if (status.startsWith("5") || status.equals("hang")) {
                        failures.add("#" + f.index() + " " + f.family() + " -> " + status + ": " + f.shown());
                    }
                    return null;
                }));
            }
            for (Future<?> d : done) {
                d.get();
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("RequestFuzzTest: " + requests.size() + " requests in " + millis
                + " ms; statuses by family: " + new TreeMap<>(statuses));
        failures.forEach(e -> System.out.println("RequestFuzzTest: FAILURE: " + e));

        assertEquals(
                List.of(),
                failures.stream().sorted().limit(40).toList(),
                failures.size() + " requests got a 5xx or no answer in time (seed " + seed + ")");
        for (String family : List.of("goproxy", "sumdb", "registry", "admin", "health", "metrics", "raw")) {
            assertTrue(statuses.containsKey(family), "no request of family " + family);
        }
        // Still answering, on every family's plain path.
        for (String path : List.of("/health", "/metrics", "/golang.org/x/text/@v/list", "/v2/")) {
            String status = send(
                    ferry.port(),
                    ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            assertTrue(status.equals("200") || (path.equals("/v2/") && status.equals("401")), path + " -> " + status);
        }
    }

    /** Found by this fuzzer: Helidon's routing answered a request target without a path ("a:b") with 500. */
    @Test
    void aRequestTargetThatIsNoPathIs400() {
        for (String target : List.of("hesha256:abc/live", "a:b", "x:", "mailto:someone")) {
            for (String method : List.of("GET", "PATCH")) {
                String status = send(
                        ferry.port(),
                        (method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n"
                                        + "Connection: close\r\n\r\nabc")
                                .getBytes(StandardCharsets.US_ASCII));
                assertEquals("400", status, method + " " + target);
            }
        }
    }

    /** Sends one request on its own connection; its status, "closed" when none came, "hang" when none came in time. */
    private static String send(int port, byte[] request) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                s.shutdownOutput(); // the whole request is there: a half-sent one must not wait for the header timeout
            } catch (IOException e) {
                // the server closed first (a refusal of a large body): still read what it said
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) >= 0 && b != '\n' && line.size() < 200; ) {
                line.write(b);
            }
            String first = line.toString(StandardCharsets.ISO_8859_1);
            if (first.startsWith("HTTP/1.") && first.length() >= 12) {
                return first.substring(9, 12);
            }
            return first.isEmpty() ? "closed" : "garbage";
        } catch (SocketTimeoutException e) {
            return "hang";
        } catch (IOException e) {
            return "closed";
        }
    }

    /** Builds requests from seeds of every route family, mutated at random. */
    private static final class Generator {
        private static final String[] METHODS = {
            "GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "get", "G3T"
        };
        private static final String[] ODD = {
            "%", "%00", "%2e", "%2E%2e", "%2f", "%5c", "..", ".", "//", "/./", "/../", "@", "@v", "!", "!!", "~", ";",
                    ":",
            "\u00e9", "%c3%a9", "%ff", "*", "?", "#", " ", "+", "%20", "\\", "'", "\"", "<", "{", "|", "$", "&", "=",
            "%25", "A", "Z", "v1.0.0", "@latest", ".zip", ".info", ".mod", "sha256:", DIGEST, "x".repeat(300)
        };

        private final Random random;
        private final int port;

        Generator(Random random, int port) {
            this.random = random;
            this.port = port;
        }

        /** Seed paths per family; the last part of some is replaced by mutation. */
        private static final Map<String, List<String>> SEEDS = Map.of(
                "goproxy",
                        List.of(
                                "/golang.org/x/text/@v/list",
                                "/golang.org/x/text/@v/v0.6.1.info",
                                "/golang.org/x/text/@v/v0.6.1.mod",
                                "/github.com/!burnt!sushi/toml/@v/v1.2.0.zip",
                                "/github.com/google/uuid/@latest",
                                "/github.com/google/uuid/@v/v1.3.0.mod",
                                "/private.example/thing/@v/list",
                                "/gopkg.in/yaml.v3/@v/v3.0.0.info"),
                "sumdb",
                        List.of(
                                "/sumdb/sum.fixture.example/supported",
                                "/sumdb/sum.fixture.example/latest",
                                "/sumdb/sum.fixture.example/lookup/github.com/google/uuid@v1.3.0",
                                "/sumdb/sum.fixture.example/tile/8/0/000",
                                "/sumdb/sum.fixture.example/tile/8/0/000.p/5",
                                "/sumdb/sum.fixture.example/tile/8/data/000",
                                "/sumdb/sum.golang.org/latest"),
                "registry",
                        List.of(
                                "/v2/",
                                "/v2",
                                "/v2/_catalog?n=5&last=a",
                                "/v2/token?service=ferry&scope=repository:team/app:pull,push",
                                "/v2/library/tiny/manifests/1.0",
                                "/v2/docker.io/library/tiny/manifests/" + DIGEST,
                                "/v2/library/tiny/blobs/" + DIGEST,
                                "/v2/team/app/blobs/uploads/",
                                "/v2/team/app/blobs/uploads/?digest=" + DIGEST,
                                "/v2/team/app/blobs/uploads/?mount=" + DIGEST + "&from=team/base",
                                "/v2/team/app/blobs/uploads/0b6d3c52-0000-4000-8000-000000000000",
                                "/v2/team/app/manifests/latest",
                                "/v2/team/app/tags/list?n=2&last=a",
                                "/v2/team/app/referrers/" + DIGEST + "?artifactType=x",
                                "/v2/library/tiny/tags/list?ns=docker.io"),
                "admin",
                        List.of(
                                "/admin/api/upstreams",
                                "/admin/api/upstreams/go/release",
                                "/admin/api/prewarm",
                                "/admin/api/prewarm/00000000-0000-0000-0000-000000000000",
                                "/admin/api/mirror-sets",
                                "/admin/api/mirror-sets/fuzz",
                                "/admin/api/mirror-sets/fuzz/run",
                                "/admin/api/pins",
                                "/admin/api/storage",
                                "/admin/api/exports",
                                "/admin/api/imports",
                                "/admin/api/"),
                "health", List.of("/health", "/health/ready", "/health/live"),
                "metrics", List.of("/metrics"));

        /**
         * Admin bodies without any server-side path field: a fuzzer holding the admin token must not be able to
         * make an export or inventory write somewhere on this machine (issue 16 finding 1 is that API's).
         */
        private static final List<String> BODIES = List.of(
                "{\"kind\":\"modules\",\"items\":[\"golang.org/x/text@v0.6.1\"]}",
                "{\"kind\":\"gomod\",\"content\":\"module x\\nrequire golang.org/x/text v0.6.1\\n\"}",
                "{\"kind\":\"gosum\",\"content\":\"golang.org/x/text v0.6.1 h1:x\\n\"}",
                "{\"kind\":\"images\",\"items\":[\"docker.io/library/tiny:1.0\"]}",
                "{\"items\":[\"golang.org/x/text@v0.6.1\"]}",
                "{\"name\":\"fuzz\",\"content\":\"modules:\\n  - golang.org/x/text@v0.6.1\\n\"}",
                "[]",
                "null",
                "{",
                "{\"kind\":1e999}",
                "{\"kind\":\"modules\",\"items\":[" + "\"a\",".repeat(200) + "\"a\"]}");

        List<Fuzzed> generate(int count) {
            List<Fuzzed> out = new ArrayList<>(count);
            List<String> families = List.of("goproxy", "sumdb", "registry", "admin", "health", "metrics", "raw");
            for (int i = 0; i < count; i++) {
                String family = families.get(i % families.size());
                out.add(
                        family.equals("raw")
                                ? new Fuzzed(i, "raw", raw(), true)
                                : new Fuzzed(i, family, wellFormed(family), false));
            }
            return out;
        }

        private <T> T pick(List<T> items) {
            return items.get(random.nextInt(items.size()));
        }

        private String pick(String[] items) {
            return items[random.nextInt(items.length)];
        }

        /** A well-formed HTTP/1.1 request with a mutated path, headers and body. */
        private byte[] wellFormed(String family) {
            String path = pick(SEEDS.get(family));
            int mutations = random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                path = mutatePath(path);
            }
            String method = random.nextInt(3) == 0 ? pick(METHODS) : (random.nextBoolean() ? "GET" : "HEAD");
            byte[] body = body(family);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            head.append("Host: 127.0.0.1:").append(port).append("\r\n");
            // Mostly signed in where signing in matters, so that mutations reach the handlers behind the check.
            if (family.equals("admin") && random.nextInt(10) < 7) {
                head.append("Authorization: Bearer ").append(ADMIN_TOKEN).append("\r\n");
            } else if ((family.equals("registry") || family.equals("goproxy")) && random.nextBoolean()) {
                head.append("Authorization: Basic ")
                        .append(java.util.Base64.getEncoder()
                                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                        .append("\r\n");
            }
            for (int h = random.nextInt(4); h > 0; h--) {
                head.append(header(family)).append("\r\n");
            }
            if (body.length > 0 || random.nextInt(10) == 0) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("Connection: close\r\n\r\n");
            return concat(head.toString().getBytes(StandardCharsets.UTF_8), body);
        }

        private String mutatePath(String path) {
            int at = path.isEmpty() ? 0 : random.nextInt(path.length() + 1);
            return switch (random.nextInt(9)) {
                case 0 -> path.substring(0, at) + pick(ODD) + path.substring(at);
                case 1 -> at < path.length() ? path.substring(0, at) + path.substring(at + 1) : path;
                case 2 -> path.substring(0, at);
                case 3 -> path + pick(ODD);
                case 4 -> path.toUpperCase(java.util.Locale.ROOT);
                case 5 -> path.replaceFirst("/[^/?]*", java.util.regex.Matcher.quoteReplacement("/" + pick(ODD)));
                case 6 -> path + (path.contains("?") ? "&" : "?") + pick(ODD) + "=" + pick(ODD);
                case 7 -> path.replace("/", "//");
                default ->
                    at < path.length()
                            ? path.substring(0, at)
                                    + String.format("%%%02X", (int) path.charAt(at))
                                    + path.substring(at + 1)
                            : path;
            };
        }

        private String header(String family) {
            return switch (random.nextInt(12)) {
                case 0 -> "Authorization: Bearer " + (random.nextBoolean() ? ADMIN_TOKEN : pick(ODD));
                case 1 ->
                    "Authorization: Basic "
                            + java.util.Base64.getEncoder()
                                    .encodeToString((USER + ":" + (random.nextBoolean() ? PASSWORD : pick(ODD)))
                                            .getBytes(StandardCharsets.UTF_8));
                case 2 -> "Authorization: " + pick(ODD);
                case 3 ->
                    "Range: bytes=" + (random.nextInt(20) - 5) + "-" + (random.nextBoolean() ? random.nextInt(30) : "");
                case 4 -> "Range: " + pick(ODD);
                case 5 ->
                    "Content-Type: "
                            + pick(List.of(
                                    "application/json",
                                    "application/octet-stream",
                                    "application/vnd.oci.image.manifest.v1+json",
                                    pick(ODD)));
                case 6 -> "Accept: " + pick(List.of("*/*", "application/vnd.oci.image.index.v1+json", pick(ODD)));
                case 7 -> "X-Forwarded-Proto: " + pick(List.of("https", pick(ODD)));
                case 8 -> "If-None-Match: \"" + pick(ODD) + "\"";
                case 9 -> "Content-Range: " + random.nextInt(10) + "-" + (random.nextInt(10) - 2);
                case 10 -> "X-" + family + ": " + pick(ODD);
                default -> "Accept-Encoding: " + pick(List.of("gzip", "identity", pick(ODD)));
            };
        }

        private byte[] body(String family) {
            if (random.nextInt(3) != 0) {
                return new byte[0];
            }
            byte[] body;
            if (family.equals("admin") && random.nextBoolean()) {
                body = pick(BODIES).getBytes(StandardCharsets.UTF_8);
            } else {
                body = new byte[random.nextInt(2048)];
                random.nextBytes(body);
            }
            for (int flips = random.nextInt(3); flips > 0 && body.length > 0; flips--) {
                body[random.nextInt(body.length)] = (byte) random.nextInt(256);
            }
            return body;
        }

        /** A request line or head that is malformed on purpose. */
        private byte[] raw() {
            String path = pick(SEEDS.get(pick(List.of("goproxy", "sumdb", "registry", "admin", "health"))));
            String host = "Host: 127.0.0.1\r\n";
            return switch (random.nextInt(20)) {
                case 0 -> bytes(randomBytes(1 + random.nextInt(40)) + " " + path + " HTTP/1.1\r\n" + host + "\r\n");
                case 1 ->
                    ("GET " + path + " HTTP/" + pick(List.of("9.9", "1", "1.1.1", "x", "")) + "\r\n" + host + "\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1);
                case 2 -> bytes("GET " + path + "\r\n\r\n");
                case 3 -> bytes("GET  " + path + "  HTTP/1.1\r\n" + host + "\r\n");
                case 4 -> bytes("GET " + path + " HTTP/1.1\n" + host.replace("\r\n", "\n") + "\n");
                case 5 -> bytes("GET " + path + " HTTP/1.1\r\n" + host + "Bad Header\r\n\r\n");
                case 6 -> bytes("GET " + path + " HTTP/1.1\r\n" + host + "X: " + "y".repeat(70_000) + "\r\n\r\n");
                case 7 -> bytes("GET " + path + " HTTP/1.1\r\n" + host + "X-A: 1\r\n".repeat(400) + "\r\n");
                case 8 -> bytes("GET " + path + " HTTP/1.1\r\n" + host + host + "\r\n");
                case 9 ->
                    bytes("POST " + path + " HTTP/1.1\r\n" + host + "Content-Length: "
                            + pick(List.of("-1", "abc", "99999999999999999999", "5, 6", " 3")) + "\r\n\r\nabc");
                case 10 ->
                    bytes("POST " + path + " HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n"
                            + pick(List.of("zz\r\nabc\r\n0\r\n\r\n", "5\r\nab", "-1\r\n", "ffffffffffffffff\r\n")));
                case 11 ->
                    bytes("POST " + path + " HTTP/1.1\r\n" + host
                            + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
                case 12 -> bytes("GET " + path + " HTTP/1.1\r\n" + host + "X-Folded: a\r\n b\r\n\r\n");
                case 13 -> bytes("GET " + path + " HTTP/1.1\r\n" + host + "X-N\u0000ul: v\u0000\r\n\r\n");
                case 14 -> bytes("GET " + path + " HTTP/1.1\r\n" + host.substring(0, random.nextInt(host.length())));
                case 15 -> bytes("GET " + randomBytes(1 + random.nextInt(60)) + " HTTP/1.1\r\n" + host + "\r\n");
                case 16 -> bytes("GET http://evil.example" + path + " HTTP/1.1\r\n" + host + "\r\n");
                case 17 -> bytes(randomBytes(1 + random.nextInt(200)));
                case 18 -> bytes("\r\n\r\nGET " + path + " HTTP/1.1\r\n" + host + "\r\n");
                default ->
                    bytes("GET " + path + " HTTP/1.1\r\n" + host + randomBytes(1 + random.nextInt(30)) + ": x\r\n\r\n");
            };
        }

        private String randomBytes(int n) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                sb.append((char) random.nextInt(256));
            }
            return sb.toString();
        }

        private static byte[] bytes(String latin1) {
            return latin1.getBytes(StandardCharsets.ISO_8859_1);
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] out = new byte[a.length + b.length];
            System.arraycopy(a, 0, out, 0, a.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }
}
