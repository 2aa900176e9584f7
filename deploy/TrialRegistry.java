import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * The OCI upstream of build-installer.sh's trial serve: one made-up image, {@code library/trial:v1} (a config and two
 * gzipped layers, one small, one of 24 MiB, so a cold pull takes the large-blob path too), served from memory on
 * loopback with the headers a registry sends. It exists so that the installer's start-up archive holds the classes
 * and method profiles of a cold image pull, as the GOPROXY trial gives it those of a module miss; a registry on the
 * build machine cannot be assumed. Build time only: not shipped, not part of ferry.
 *
 * <p>Run with the JDK's source launcher: {@code java deploy/TrialRegistry.java}; prints {@code port N} once listening.
 */
public final class TrialRegistry {
    private static final String REPOSITORY = "/v2/library/trial/";
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

    private record Content(String type, byte[] bytes, String digest) {}

    public static void main(String[] args) throws Exception {
        Random random = new Random(25);
        byte[] small = gzip(random, 64 << 10);
        byte[] large = gzip(random, 24 << 20);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\","
                        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{}}")
                .getBytes(StandardCharsets.UTF_8);
        String layerType = "application/vnd.oci.image.layer.v1.tar+gzip";
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\","
                + "\"config\":" + descriptor("application/vnd.oci.image.config.v1+json", config) + ","
                + "\"layers\":[" + descriptor(layerType, small) + "," + descriptor(layerType, large) + "]}";
        Content m = content(MANIFEST_TYPE, manifest.getBytes(StandardCharsets.UTF_8));
        Map<String, Content> blobs = Map.of(
                digest(config), content("application/octet-stream", config),
                digest(small), content("application/octet-stream", small),
                digest(large), content("application/octet-stream", large));

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                String last = path.substring(path.lastIndexOf('/') + 1);
                if (path.equals("/v2/") || path.equals("/v2")) {
                    send(exchange, new Content("application/json", "{}".getBytes(StandardCharsets.UTF_8), null));
                } else if (path.equals(REPOSITORY + "manifests/" + last)
                        && (last.equals("v1") || last.equals(m.digest))) {
                    send(exchange, m);
                } else if (path.equals(REPOSITORY + "blobs/" + last) && blobs.containsKey(last)) {
                    send(exchange, blobs.get(last));
                } else {
                    byte[] body = "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"not in the trial registry\"}]}"
                            .getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(404, body.length);
                    exchange.getResponseBody().write(body);
                }
            }
        });
        server.start();
        System.out.println("port " + server.getAddress().getPort());
    }

    private static void send(HttpExchange exchange, Content c) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", c.type);
        exchange.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
        if (c.digest != null) {
            exchange.getResponseHeaders().set("Docker-Content-Digest", c.digest);
        }
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.getResponseHeaders().set("Content-Length", Integer.toString(c.bytes.length));
        exchange.sendResponseHeaders(200, head ? -1 : c.bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(c.bytes);
            }
        }
    }

    private static Content content(String type, byte[] bytes) throws Exception {
        return new Content(type, bytes, digest(bytes));
    }

    private static String descriptor(String type, byte[] bytes) throws Exception {
        return "{\"mediaType\":\"" + type + "\",\"digest\":\"" + digest(bytes) + "\",\"size\":" + bytes.length + "}";
    }

    private static String digest(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Incompressible bytes, gzipped: a layer's shape (the mirror checks digests, never a layer's insides). */
    private static byte[] gzip(Random random, int size) throws IOException {
        byte[] data = new byte[size];
        random.nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + (size >> 8));
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
