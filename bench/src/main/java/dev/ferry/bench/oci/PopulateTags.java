package dev.ferry.bench.oci;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fills a running ferry with N mirrored image tags (a small image manifest each, distinct per tag) through its
 * registry API, from an in-process upstream registry that makes the manifests up on the fly. With Populate, the
 * store of bench/cold's start-up run (100,000 module versions and 10,000 tags).
 * usage: java -cp bench/target/classes dev.ferry.bench.oci.PopulateTags FERRY_URL UPSTREAM_PORT COUNT [IN_FLIGHT]
 * ferry must run with --registry docker.io=http://127.0.0.1:UPSTREAM_PORT --default-registry docker.io. Tags are
 * spread over 100 repositories (library/rNN:tNNNNNN).
 */
public class PopulateTags {
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String CONFIG = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    public static void main(String[] args) throws Exception {
        String ferry = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int parallel = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        Map<String, byte[]> byDigest = new ConcurrentHashMap<>();
        HttpServer up = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        up.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        up.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath();
            if (p.equals("/v2/") || p.equals("/v2")) {
                send(ex, 200, "{}".getBytes(UTF_8), "application/json", null);
                return;
            }
            int m = p.indexOf("/manifests/");
            if (!p.startsWith("/v2/") || m < 0) {
                send(ex, 404, new byte[0], "application/json", null);
                return;
            }
            String ref = p.substring(m + "/manifests/".length());
            byte[] body = ref.startsWith("sha256:") ? byDigest.get(ref) : manifest(p.substring(4, m), ref);
            if (body == null) {
                send(ex, 404, new byte[0], "application/json", null);
                return;
            }
            String digest = digest(body);
            byDigest.put(digest, body);
            send(ex, 200, body, MANIFEST, digest);
        });
        up.start();
        HttpClient http = HttpClient.newBuilder()
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        Semaphore inFlight = new Semaphore(parallel);
        AtomicLong failed = new AtomicLong();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            String url = ferry + "/v2/library/r" + String.format("%02d", i % 100) + "/manifests/t"
                    + String.format("%06d", i);
            HttpRequest req = HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", MANIFEST)
                    .build();
            var unused = http.sendAsync(req, HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> {
                        if (e != null || r.statusCode() != 200) {
                            if (failed.incrementAndGet() <= 5) {
                                System.err.println(url + ": " + (e != null ? e : r.statusCode()));
                            }
                        }
                        inFlight.release();
                    });
            if ((i + 1) % 2000 == 0) {
                System.out.printf("%d tags, %.0f/s%n", i + 1, (i + 1) / ((System.nanoTime() - t0) / 1e9));
            }
        }
        inFlight.acquire(parallel);
        System.out.printf("%d tags in %.1f s, %d failed%n", count, (System.nanoTime() - t0) / 1e9, failed.get());
        up.stop(0);
        System.exit(failed.get() == 0 ? 0 : 1);
    }

    private static byte[] manifest(String repository, String tag) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":{\"mediaType\":"
                        + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + CONFIG + "\",\"size\":2},"
                        + "\"layers\":[],\"annotations\":{\"bench.tag\":\"" + repository + ":" + tag + "\"}}")
                .getBytes(UTF_8);
    }

    private static void send(HttpExchange ex, int status, byte[] body, String type, String digest)
            throws java.io.IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
        if (digest != null) {
            ex.getResponseHeaders().set("Docker-Content-Digest", digest);
        }
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    private static String digest(byte[] body) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
