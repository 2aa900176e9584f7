package dev.ferry.bench.goproxy;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sustained ingest of new small files (issue 18: at least 1,000 new files/s for a minute, commit p99 under 50 ms, no
 * write stall over 200 ms). IN_FLIGHT clients ask a running ferry for the .info and .mod of new module versions for
 * SECONDS, each version's files made up on the fly by an in-process upstream, all distinct (no two bodies alike, so
 * nothing deduplicates) and of realistic sizes: .info 90-400 B (with an Origin block, as proxy.golang.org serves),
 * .mod 60 B-2 KiB (a module line and 0-40 requirements). Prints the files/s of every 10 s, request latency, and from
 * ferry's /metrics before and after: the store's commits (count, p50/p99 from the histogram's buckets), RocksDB's
 * write stalls (writes held, their time, the longest), and the log syncs.
 * usage: java -cp bench/target/classes dev.ferry.bench.goproxy.Ingest FERRY_URL UPSTREAM_PORT SECONDS IN_FLIGHT
 *     [RESULT_FILE [WARMUP_SECONDS]]
 * WARMUP_SECONDS (default 0) of the same load come first, not counted: a fresh ferry's first seconds are its JIT's
 * (on the loaded 2-core machine the first 10 s ran at a fifth of the later rate).
 * ferry must run with --go-upstream http://127.0.0.1:UPSTREAM_PORT (and --sumdb off: the versions are made up).
 * RESULT_FILE gets one line of key=value figures for bench/cold/ingest.sh.
 */
public class Ingest {
    private static final int WINDOW_SECONDS = 10;

    public static void main(String[] args) throws Exception {
        String ferry = args[0];
        int port = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int parallel = Integer.parseInt(args[3]);
        Path resultFile = args.length > 4 && !args[4].isEmpty() ? Path.of(args[4]) : null;
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 0;
        // a run's own module prefix: a second run against the same ferry still misses
        String run = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

        HttpServer up = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        up.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        up.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath();
            int at = p.indexOf("/@v/");
            byte[] body = at < 0 ? null : body(p.substring(1, at), p.substring(at + 4));
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
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        long[] latencies = new long[Math.max(1, seconds) * 20_000];
        AtomicInteger recorded = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        long warm = System.nanoTime() + warmup * 1_000_000_000L;
        long end = warm + seconds * 1_000_000_000L;
        AtomicLong warmDone = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < parallel; c++) {
            clients.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    int n = next.getAndIncrement();
                    String file = (n % 2 == 0) ? ".info" : ".mod";
                    String url =
                            ferry + "/example.com/ingest" + run + "/m" + (n / 2) + "/@v/v1.0." + (n / 2 % 7) + file;
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<byte[]> r = http.send(
                                HttpRequest.newBuilder(URI.create(url)).build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() == 200) {
                            bytes.addAndGet(r.body().length);
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long took = System.nanoTime() - sent;
                    if (sent < warm) {
                        warmDone.incrementAndGet();
                        continue;
                    }
                    int i = recorded.getAndIncrement();
                    if (i < latencies.length) {
                        latencies[i] = took;
                    }
                    done.incrementAndGet();
                }
            }));
        }
        if (warmup > 0) {
            Thread.sleep(Duration.ofNanos(Math.max(0, warm - System.nanoTime())));
            System.out.printf("  warm-up: %d files in %d s (not counted)%n", warmDone.get(), warmup);
        }
        Map<String, Double> before = metrics(http, ferry);
        long t0 = System.nanoTime();
        long last = 0;
        long windowStart = t0;
        List<Double> rates = new ArrayList<>();
        while (clients.stream().anyMatch(Thread::isAlive)) {
            long wake = windowStart + WINDOW_SECONDS * 1_000_000_000L;
            for (Thread t : clients) {
                long left = wake - System.nanoTime();
                if (left > 0) {
                    t.join(Duration.ofNanos(left));
                }
            }
            long now = System.nanoTime();
            long count = done.get();
            double rate = (count - last) / ((now - windowStart) / 1e9);
            if (now - windowStart >= WINDOW_SECONDS * 1_000_000_000L * 9 / 10) {
                rates.add(rate);
            }
            System.out.printf(
                    "  %5.1f s  %8d files  %7.0f files/s in the last %.1f s%n",
                    (now - t0) / 1e9, count, rate, (now - windowStart) / 1e9);
            last = count;
            windowStart = now;
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> after = metrics(http, ferry);
        up.stop(0);

        int n = Math.min(recorded.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        double p50 = n == 0 ? 0 : sorted[n / 2] / 1e6;
        double p99 = n == 0 ? 0 : sorted[Math.min(n - 1, n * 99 / 100)] / 1e6;
        double max = n == 0 ? 0 : sorted[n - 1] / 1e6;
        double minWindow = rates.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        System.out.printf(
                "ingest: %d files in %.1f s = %.0f files/s (slowest full 10 s window %.0f/s), %d failed, %.1f MB;"
                        + " request p50 %.1f ms, p99 %.1f ms, max %.0f ms%n",
                done.get(), wall, done.get() / wall, minWindow, failed.get(), bytes.get() / 1e6, p50, p99, max);

        Map<String, String> result = new java.util.LinkedHashMap<>();
        result.put("files", Long.toString(done.get()));
        result.put("files_per_s", String.format("%.0f", done.get() / wall));
        result.put("slowest_window", String.format("%.0f", minWindow));
        result.put("failed", Long.toString(failed.get()));
        result.put("req_p50_ms", String.format("%.1f", p50));
        result.put("req_p99_ms", String.format("%.1f", p99));
        if (after.containsKey("ferry_store_write_stalls_total")) {
            for (String d : List.of("grouped", "synced")) {
                double[] q = quantiles(before, after, "ferry_store_commit_seconds", "durability=\"" + d + "\"");
                if (q[0] > 0) {
                    System.out.printf(
                            "store commits (%s): %.0f, p50 <= %s ms, p99 <= %s ms (bucket bounds)%n",
                            d, q[0], ms(q[1]), ms(q[2]));
                    result.put("commit_" + d + "_p99_ms", ms(q[2]));
                }
            }
            double[] sync = quantiles(before, after, "ferry_store_log_sync_seconds", "");
            double stalls = delta(before, after, "ferry_store_write_stalls_total");
            double stallSeconds = delta(before, after, "ferry_store_write_stall_seconds_total");
            double longest = after.getOrDefault("ferry_store_write_stall_longest_seconds", Double.NaN);
            System.out.printf(
                    "write stalls: %.0f writes held, %.3f s in all, longest %.0f ms (since ferry started);"
                            + " log syncs %.0f (group syncs %.0f, p99 <= %s ms); most L0 files now %.0f%n",
                    stalls,
                    stallSeconds,
                    longest * 1000,
                    delta(before, after, "ferry_store_log_syncs_total"),
                    sync[0],
                    ms(sync[2]),
                    after.getOrDefault("ferry_store_l0_files", Double.NaN));
            System.out.printf(
                    "RocksDB wrote: log %.1f MB, flushes %.1f MB, compactions %.1f MB; flushes pending now %.0f,"
                            + " compactions pending %.0f%n",
                    delta(before, after, "ferry_store_written_bytes_total{by=\"log\"}") / 1e6,
                    delta(before, after, "ferry_store_written_bytes_total{by=\"flush\"}") / 1e6,
                    delta(before, after, "ferry_store_written_bytes_total{by=\"compaction\"}") / 1e6,
                    after.getOrDefault("ferry_store_flushes_pending", Double.NaN),
                    after.getOrDefault("ferry_store_compactions_pending", Double.NaN));
            result.put("stalls", String.format("%.0f", stalls));
            result.put("stall_s", String.format("%.3f", stallSeconds));
            result.put("longest_stall_ms", String.format("%.0f", longest * 1000));
        } else {
            System.out.println("(this ferry exports no store commit or stall metrics)");
        }
        if (resultFile != null) {
            StringBuilder line = new StringBuilder();
            result.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
            Files.writeString(resultFile, line.toString().trim() + "\n", UTF_8);
        }
        System.exit(failed.get() == 0 ? 0 : 1);
    }

    /** A distinct body per module and file, sized by a hash of the module path. */
    static byte[] body(String module, String file) {
        int h = module.hashCode() * 31 + file.hashCode();
        h ^= h >>> 16;
        int spread = Math.floorMod(h, 1000);
        if (file.endsWith(".info")) {
            String version = file.substring(0, file.length() - ".info".length());
            String hash = sha1ish(module + version);
            String time = Instant.ofEpochSecond(1_600_000_000L + Math.floorMod(h * 7919L, 100_000_000L))
                    .toString();
            StringBuilder s = new StringBuilder("{\"Version\":\"" + version + "\",\"Time\":\"" + time + "\"");
            if (spread % 5 != 0) { // most modules answer with an Origin block, a few (older) without
                s.append(",\"Origin\":{\"VCS\":\"git\",\"URL\":\"https://")
                        .append(module)
                        .append("\",\"Hash\":\"")
                        .append(hash)
                        .append("\",\"Ref\":\"refs/tags/")
                        .append(version)
                        .append("\"}");
            }
            return s.append("}").toString().getBytes(UTF_8);
        }
        if (file.endsWith(".mod")) {
            StringBuilder s = new StringBuilder("module " + module + "\n\ngo 1.2" + (spread % 3) + "\n");
            int requires = spread % 41; // 0-40 requirements: 60 B to ~2 KiB
            if (requires > 0) {
                s.append("\nrequire (\n");
                for (int i = 0; i < requires; i++) {
                    s.append("\tgithub.com/dep")
                            .append(Math.floorMod(h + i * 131, 9973))
                            .append("/lib v1.")
                            .append(i % 13)
                            .append('.')
                            .append(Math.floorMod(h >> 3, 20) + i)
                            .append(i % 4 == 0 ? " // indirect" : "")
                            .append('\n');
                }
                s.append(")\n");
            }
            return s.toString().getBytes(UTF_8);
        }
        return null;
    }

    private static String sha1ish(String s) {
        StringBuilder hex = new StringBuilder();
        long x = s.hashCode() * 0x9E3779B97F4A7C15L;
        while (hex.length() < 40) {
            x ^= x >>> 29;
            x *= 0xBF58476D1CE4E5B9L;
            hex.append(String.format("%016x", x));
        }
        return hex.substring(0, 40);
    }

    private static String ms(double seconds) {
        return Double.isInfinite(seconds) ? "inf" : Double.isNaN(seconds) ? "?" : String.format("%.2f", seconds * 1000);
    }

    /** Every sample of ferry's /metrics (empty when it cannot be read). */
    static Map<String, Double> metrics(HttpClient http, String ferry) {
        Map<String, Double> m = new HashMap<>();
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(ferry + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return m;
            }
            for (String line : r.body().split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                try {
                    m.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                } catch (NumberFormatException e) {
                    // a value we do not need
                }
            }
        } catch (IOException | InterruptedException e) {
            // no metrics: the caller prints that
        }
        return m;
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
        return after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
    }

    /**
     * Count, p50 and p99 upper bounds of a histogram's observations between two scrapes (from its buckets, as
     * Prometheus's histogram_quantile would bound them), {@code labels} the other labels of the series.
     */
    static double[] quantiles(Map<String, Double> before, Map<String, Double> after, String name, String labels) {
        String prefix = name + "_bucket{" + (labels.isEmpty() ? "" : labels + ",") + "le=\"";
        List<double[]> buckets = new ArrayList<>();
        for (Map.Entry<String, Double> e : after.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                String le = e.getKey().substring(prefix.length(), e.getKey().length() - 2);
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                buckets.add(new double[] {bound, e.getValue() - before.getOrDefault(e.getKey(), 0.0)});
            }
        }
        buckets.sort((a, b) -> Double.compare(a[0], b[0]));
        double total = buckets.isEmpty() ? 0 : buckets.get(buckets.size() - 1)[1];
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        for (double[] b : buckets) {
            if (Double.isNaN(p50) && b[1] >= total * 0.5) {
                p50 = b[0];
            }
            if (Double.isNaN(p99) && b[1] >= total * 0.99) {
                p99 = b[0];
            }
        }
        return new double[] {total, p50, p99};
    }
}
