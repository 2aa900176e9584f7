package dev.ferry.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.config.TlsSettings;
import dev.ferry.server.config.TlsSettings.ClientCertificates;
import dev.ferry.server.tls.ClientCertificateGate.Family;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ClientCertificateGateTest {
    @Test
    void routesFallIntoTheirFamiliesAndHealthNeverAsks() {
        assertEquals(Family.ADMIN, ClientCertificateGate.family("/admin/api/upstreams"));
        assertEquals(Family.ADMIN, ClientCertificateGate.family("/admin/anything"));
        assertEquals(Family.ADMIN, ClientCertificateGate.family("/metrics"));
        assertEquals(Family.HEALTH, ClientCertificateGate.family("/health"));
        assertEquals(Family.HEALTH, ClientCertificateGate.family("/health/live"));
        assertEquals(Family.PULLS, ClientCertificateGate.family("/v2/library/alpine/manifests/3"));
        assertEquals(Family.PULLS, ClientCertificateGate.family("/sumdb/sum.golang.org/latest"));
        assertEquals(Family.PULLS, ClientCertificateGate.family("/github.com/pkg/errors/@v/list"));
        assertEquals(
                Family.PULLS, ClientCertificateGate.family("/administrator/x/@v/list"), "a module path, not admin");
        assertEquals(Family.PULLS, ClientCertificateGate.family("/metrics2/@v/list"));
    }

    @Test
    void onlyTheRequiredFamiliesAreGated() {
        Path f = Path.of("x");
        assertNull(ClientCertificateGate.of(TlsSettings.off()));
        ClientCertificateGate admin = ClientCertificateGate.of(
                new TlsSettings(f, f, f, ClientCertificates.REQUIRED, ClientCertificates.NONE, null));
        assertTrue(admin.requires(Family.ADMIN));
        assertFalse(admin.requires(Family.PULLS));
        assertFalse(admin.requires(Family.HEALTH));
        ClientCertificateGate pulls = ClientCertificateGate.of(
                new TlsSettings(f, f, f, ClientCertificates.NONE, ClientCertificates.REQUIRED, null));
        assertFalse(pulls.requires(Family.ADMIN));
        assertTrue(pulls.requires(Family.PULLS));
    }
}
