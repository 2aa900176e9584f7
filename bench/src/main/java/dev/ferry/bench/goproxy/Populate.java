package dev.ferry.bench.goproxy;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fills a running ferry with N synthetic module versions (.info + .mod each) through its GOPROXY API, from an
 * in-process upstream that makes the files up on the fly. Used to measure start-up time with a large store.
 * usage: java -cp bench/target/classes dev.ferry.bench.goproxy.Populate FERRY_URL UPSTREAM_PORT COUNT [IN_FLIGHT]
 * ferry must run with --go-upstream http://127.0.0.1:UPSTREAM_PORT. IN_FLIGHT (default 64) requests at a time; with 1
 * the run is a sequence of cold .info/.mod misses, as the go command's critical path has them, and prints their
 * median and p99 latency (what bench/cold's profile run uses).
 */
public class Populate {
    public static void main(String[] args) throws Exception {
        String ferry = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int parallel = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        long[] latencies = new long[2 * count];
        HttpServer up = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        up.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        up.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath();
            // /example.com/m/NNNNN/@v/v1.0.0.(info|mod)
            String module = p.substring(1, p.indexOf("/@v/"));
            byte[] body = p.endsWith(".info")
                    ? "{\"Version\":\"v1.0.0\",\"Time\":\"2024-01-01T00:00:00Z\"}".getBytes(UTF_8)
                    : p.endsWith(".mod") ? ("module " + module + "\n\ngo 1.21\n").getBytes(UTF_8) : null;
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        up.start();
        HttpClient http = HttpClient.newBuilder()
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        Semaphore inFlight = new Semaphore(parallel);
        AtomicLong failed = new AtomicLong();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            for (String ext : new String[] {".info", ".mod"}) {
                inFlight.acquire();
                int n = 2 * i + (ext.equals(".mod") ? 1 : 0);
                long sent = System.nanoTime();
                String url = ferry + "/example.com/m/" + String.format("%06d", i) + "/@v/v1.0.0" + ext;
                var unused = http.sendAsync(
                                HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> {
                            latencies[n] = System.nanoTime() - sent;
                            if (e != null || r.statusCode() != 200) {
                                failed.incrementAndGet();
                            }
                            inFlight.release();
                        });
            }
            if (i > 0 && i % 10000 == 0) {
                System.out.printf("%d versions, %.0f/s%n", i, i / ((System.nanoTime() - t0) / 1e9));
            }
        }
        inFlight.acquire(parallel);
        java.util.Arrays.sort(latencies);
        System.out.printf(
                "populated %d versions in %.1fs, %d failed requests; request latency median %.2f ms, p99 %.2f ms%n",
                count,
                (System.nanoTime() - t0) / 1e9,
                failed.get(),
                latencies[latencies.length / 2] / 1e6,
                latencies[latencies.length * 99 / 100] / 1e6);
        up.stop(0);
        System.exit(failed.get() == 0 ? 0 : 1);
    }
}
