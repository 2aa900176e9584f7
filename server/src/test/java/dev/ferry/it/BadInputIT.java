package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken requests sent over a raw socket to the real ferry process: each gets a 4xx with a readable
 * message, none reaches the upstream or the store, and ferry stays healthy.
 */
class BadInputIT {

    @TempDir
    Path tmp;

    record Case(String method, String target, String extraHeader) {
        @Override
        public String toString() {
            return method + " " + (target.length() > 80 ? target.substring(0, 80) + "..." : target)
                    + (extraHeader.isEmpty() ? "" : " +header");
        }
    }

    @Test
    void badRequestsGetA4xxWithAMessageAndNeverReachUpstreamOrStore() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (String target : List.of(
                "/github.com/pkg/errors/@v/../../../../etc/passwd",
                "/%2e%2e/%2e%2e/etc/passwd",
                "/github.com/pkg/errors/@v/%2e%2e%2fsecret.zip",
                "/github.com%2fpkg/errors/@v/list",
                "/github.com/pkg%2Ferrors/@v/list",
                "/github.com/pkg/errors%00/@v/list",
                "/github.com/pkg/errors/@v/list?go-get=1",
                "/github.com/pkg/errors/@v/v0.9.1.zip?x=../../y",
                "/github.com//pkg/errors/@v/list",
                "/github.com/pkg/./errors/@v/list",
                "/github.com/Pkg/errors/@v/list",
                "/github.com/!pkg!/errors/@v/list",
                "/errors/@v/list",
                "/-github.com/pkg/errors/@v/list",
                "/github.com/pkg/con/@v/list",
                "/github.com/pkg/errors/@v/v0.9.zip",
                "/github.com/pkg/errors/@v/v0.9.1.exe",
                "/github.com/pkg/errors/@v/not-a-version.mod",
                "/github.com/pkg/errors/@v/v0.9.1+meta.zip",
                "/github.com/pkg/errors/v2/@v/v0.9.1.mod",
                "/github.com/pkg/errors/v1/@v/list",
                "/github.com/pkg/errors/@v/",
                "/github.com/pkg/errors/@latest/extra",
                "/github.com\\pkg\\errors/@v/list",
                "/" + "a".repeat(5000) + ".com/x/@v/list",
                "/github.com/" + "x/".repeat(3000) + "@v/list")) {
            cases.add(new Case("GET", target, ""));
        }
        String db = "/sumdb/" + Fixtures.sumdbKey().split("\\+")[0];
        for (String target : List.of(
                db + "/lookup/github.com/pkg/errors@v0.9.1x",
                db + "/lookup/github.com/Pkg/errors@v0.9.1",
                db + "/lookup/github.com/pkg/errors",
                db + "/lookup/github.com/pkg/errors/v2@v0.9.1",
                db + "/lookup/../x@v1.0.0",
                db + "/tile/8/0/00",
                db + "/tile/8/0/000.p/0",
                db + "/tile/8/0/000.p/256",
                db + "/tile/8/0/x000/001",
                db + "/tile/9/0/000",
                db + "/tile/8/-1/000",
                db + "/latest/x",
                db + "/supported?x=1",
                db + "/nothing",
                "/sumdb/sum.golang.org/supported",
                "/sumdb/other.example/lookup/github.com/pkg/errors@v0.9.1")) {
            cases.add(new Case("GET", target, ""));
        }
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            cases.add(new Case(method, "/github.com/pkg/errors/@v/list", "Content-Length: 0\r\n"));
        }
        cases.add(new Case("GET", "/github.com/pkg/errors/@v/list", "X-Big: " + "b".repeat(64 * 1024) + "\r\n"));

        try (StaticGoProxy upstream = new StaticGoProxy(Fixtures.goProxyTree());
                FerryProcess ferry = FerryProcess.start(
                        tmp.resolve("data"),
                        tmp.resolve("ferry.log"),
                        "--go-upstream",
                        upstream.url(),
                        "--sumdb",
                        Fixtures.sumdbKey())) {
            double objectsBefore = storeObjects(ferry);
            List<String> failures = new ArrayList<>();
            for (Case c : cases) {
                RawResponse r = send(ferry.base(), c);
                if (r.status < 400 || r.status > 499) {
                    failures.add(c + " -> " + r.status + " " + r.body);
                } else if (r.status != 431 && r.status != 414 && r.body.isBlank()) {
                    failures.add(c + " -> " + r.status + " with no message");
                }
            }
            assertTrue(
                    failures.isEmpty(),
                    "requests not answered with a 4xx and a message:\n" + String.join("\n", failures));
            assertEquals(0, upstream.requests(), "bad input reached the upstream: " + upstream.paths());
            assertEquals(objectsBefore, storeObjects(ferry), "bad input changed the store");
            assertEquals(200, send(ferry.base(), new Case("GET", "/health", "")).status, "ferry is healthy afterwards");
        }
    }

    private record RawResponse(int status, String body) {}

    private static RawResponse send(URI base, Case c) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
            s.setSoTimeout(15000);
            OutputStream out = s.getOutputStream();
            String req = c.method() + " " + c.target() + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                    + "\r\n" + c.extraHeader() + "Connection: close\r\n\r\n";
            out.write(req.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String all;
            try {
                all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return new RawResponse(-1, "connection error: " + e);
            }
            Matcher m = Pattern.compile("^HTTP/1\\.1 (\\d{3})").matcher(all);
            if (!m.find()) {
                return new RawResponse(-1, "no status line: " + all);
            }
            int split = all.indexOf("\r\n\r\n");
            return new RawResponse(
                    Integer.parseInt(m.group(1)),
                    split < 0 ? "" : all.substring(split + 4).trim());
        }
    }

    private static double storeObjects(FerryProcess ferry) throws IOException {
        RawResponse r = send(ferry.base(), new Case("GET", "/metrics", ""));
        assertEquals(200, r.status, "/metrics");
        Matcher m = Pattern.compile("(?m)^ferry_store_objects(?:\\{[^}]*})? (\\S+)$")
                .matcher(r.body);
        assertTrue(m.find(), "/metrics has ferry_store_objects:\n" + r.body);
        return Double.parseDouble(m.group(1));
    }
}
