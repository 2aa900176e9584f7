package dev.ferry.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.tls.TestCa.KeyForm;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesTest {
    @TempDir
    Path tmp;

    @Test
    void readsRsaAndEcKeysInPkcs8AndTraditionalFormsWithTheirChain() throws Exception {
        TestCa ca = new TestCa("ferry test ca");
        int n = 0;
        for (boolean rsa : new boolean[] {true, false}) {
            for (KeyForm form : KeyForm.values()) {
                TestCa.Issued served = ca.server(100 + n, rsa);
                Path cert = Files.writeString(tmp.resolve("c" + n), TestCa.pem(served.certificate(), ca.certificate()));
                String keyText = TestCa.pem(served.key(), form);
                String header =
                        form == KeyForm.PKCS8 ? "BEGIN PRIVATE KEY" : rsa ? "BEGIN RSA PRIVATE KEY" : "BEGIN EC";
                assertTrue(keyText.contains(header), form + " " + keyText);
                Path key = Files.writeString(tmp.resolve("k" + n), keyText);
                PemFiles.KeyAndChain read = PemFiles.keyAndChain(cert, key);
                assertEquals(served.certificate(), read.leaf());
                assertEquals(2, read.chain().size());
                assertEquals(served.key().getAlgorithm(), read.key().getAlgorithm());
                n++;
            }
        }
    }

    @Test
    void refusesAKeyOfAnotherCertificateAnEmptyFileAndAnEncryptedKey() throws Exception {
        TestCa ca = new TestCa("ferry test ca");
        TestCa.Issued one = ca.server(1, false);
        TestCa.Issued two = ca.server(2, false);
        Path cert = Files.writeString(tmp.resolve("cert.pem"), TestCa.pem(one.certificate()));
        Path otherKey = Files.writeString(tmp.resolve("other.pem"), TestCa.pem(two.key(), KeyForm.PKCS8));
        var e = assertThrows(java.io.IOException.class, () -> PemFiles.keyAndChain(cert, otherKey));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());

        Path empty = Files.writeString(tmp.resolve("empty.pem"), "");
        assertThrows(java.io.IOException.class, () -> PemFiles.certificates(empty));
        assertThrows(java.io.IOException.class, () -> PemFiles.privateKey(empty));

        Path encrypted = Files.writeString(
                tmp.resolve("enc.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n");
        var enc = assertThrows(java.io.IOException.class, () -> PemFiles.privateKey(encrypted));
        assertTrue(enc.getMessage().contains(encrypted.toString()), enc.getMessage());
    }
}
