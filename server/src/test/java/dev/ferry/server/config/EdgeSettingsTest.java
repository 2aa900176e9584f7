package dev.ferry.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.logging.LogFormat;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS, outbound proxy and log format settings: what goes together, and where each comes from. */
class EdgeSettingsTest {
    @TempDir
    Path tmp;

    private FerryConfig load(Map<Setting, String> flags, Map<String, String> env) throws ConfigException {
        return ConfigLoader.load(flags, env, null);
    }

    @Test
    void defaultsArePlainHttpDirectAndText() throws Exception {
        FerryConfig c = load(Map.of(), Map.of());
        assertEquals(TlsSettings.off(), c.tls());
        assertTrue(c.outbound().isDirect());
        assertEquals(LogFormat.TEXT, c.logFormat());
    }

    @Test
    void tlsFilesGoTogetherAndClientCertificatesNeedTheirCa() throws Exception {
        Path cert = Files.writeString(tmp.resolve("c.pem"), "x");
        Path key = Files.writeString(tmp.resolve("k.pem"), "x");
        var onlyCert = assertThrows(
                ConfigException.class, () -> load(Map.of(Setting.TLS_CERTIFICATE, cert.toString()), Map.of()));
        assertTrue(onlyCert.getMessage().contains("go together"), onlyCert.getMessage());
        var noCa = assertThrows(
                ConfigException.class,
                () -> load(
                        Map.of(
                                Setting.TLS_CERTIFICATE, cert.toString(),
                                Setting.TLS_KEY, key.toString(),
                                Setting.TLS_CLIENT_AUTH_ADMIN, "required"),
                        Map.of()));
        assertTrue(noCa.getMessage().contains("tls.clientCa"), noCa.getMessage());
        var missing = assertThrows(
                ConfigException.class,
                () -> load(Map.of(Setting.TLS_CERTIFICATE, tmp.resolve("nope").toString()), Map.of()));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
        var redirectOnly =
                assertThrows(ConfigException.class, () -> load(Map.of(Setting.TLS_REDIRECT_LISTEN, ":8080"), Map.of()));
        assertTrue(redirectOnly.getMessage().contains("need HTTPS"), redirectOnly.getMessage());

        FerryConfig c = load(
                Map.of(
                        Setting.TLS_CERTIFICATE, cert.toString(),
                        Setting.TLS_KEY, key.toString(),
                        Setting.TLS_CLIENT_CA, cert.toString()),
                Map.of("FERRY_TLS_CLIENT_AUTH_PULLS", "required", "FERRY_TLS_REDIRECT_LISTEN", ":8080"));
        assertEquals(TlsSettings.ClientCertificates.REQUIRED, c.tls().pulls());
        assertEquals(TlsSettings.ClientCertificates.NONE, c.tls().admin());
        assertEquals(8080, c.tls().redirectListen().port());
    }

    @Test
    void proxiesComeFromTheUsualVariablesUpperCaseFirst() throws Exception {
        FerryConfig c = load(
                Map.of(),
                Map.of(
                        "https_proxy", "proxy.corp:3128",
                        "HTTP_PROXY", "http://web.corp:8080/",
                        "http_proxy", "http://ignored:1",
                        "no_proxy", " .corp.example, 10.0.0.0/8 ,,"));
        assertEquals(URI.create("http://proxy.corp:3128"), c.outbound().httpsProxy());
        assertEquals(URI.create("http://web.corp:8080"), c.outbound().httpProxy());
        assertEquals(List.of(".corp.example", "10.0.0.0/8"), c.outbound().noProxy());
        assertNull(c.outbound().caBundle());
        var creds = assertThrows(
                ConfigException.class, () -> load(Map.of(), Map.of("HTTPS_PROXY", "http://u:p@proxy.corp:3128")));
        assertTrue(creds.getMessage().contains("credentials"), creds.getMessage());
        assertThrows(ConfigException.class, () -> load(Map.of(), Map.of("HTTPS_PROXY", "socks5://proxy:1080")));
    }

    @Test
    void logFormatIsTextOrJson() throws Exception {
        assertEquals(
                LogFormat.JSON,
                load(Map.of(Setting.LOG_FORMAT, "JSON"), Map.of()).logFormat());
        var bad = assertThrows(ConfigException.class, () -> load(Map.of(), Map.of("FERRY_LOG_FORMAT", "xml")));
        assertTrue(bad.getMessage().contains("expected text or json"), bad.getMessage());
    }
}
