package dev.ferry.server.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A certificate authority made up in a test, issuing server and client certificates as PEM files. */
public final class TestCa {
    /** How a private key is written: the three forms operators' tools produce. */
    public enum KeyForm {
        /** {@code PRIVATE KEY} */
        PKCS8,
        /** {@code RSA PRIVATE KEY} or {@code EC PRIVATE KEY}: what {@code openssl genrsa}/{@code ecparam} write */
        TRADITIONAL
    }

    /** An issued certificate and its key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {}

    private final String name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    public TestCa(String name) throws GeneralSecurityException, IOException {
        this.name = name;
        this.keys = ec();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                subject,
                BigInteger.ONE,
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(30))),
                subject,
                keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(
                Extension.subjectKeyIdentifier,
                false,
                new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
        this.certificate = sign(b);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A server certificate for localhost and 127.0.0.1 with {@code serial}, on an RSA or EC key. */
    public Issued server(long serial, boolean rsa) throws GeneralSecurityException, IOException {
        return server(serial, rsa, "localhost");
    }

    /** A server certificate for {@code dnsName} and 127.0.0.1. */
    public Issued server(long serial, boolean rsa, String dnsName) throws GeneralSecurityException, IOException {
        KeyPair k = rsa ? rsa() : ec();
        X509v3CertificateBuilder b = leaf(serial, "CN=" + dnsName, k);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, dnsName), new GeneralName(GeneralName.iPAddress, "127.0.0.1")
        }));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        return new Issued(sign(b), k.getPrivate());
    }

    /** A client certificate for {@code cn}. */
    public Issued client(long serial, String cn) throws GeneralSecurityException, IOException {
        KeyPair k = ec();
        X509v3CertificateBuilder b = leaf(serial, "CN=" + cn, k);
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        return new Issued(sign(b), k.getPrivate());
    }

    private X509v3CertificateBuilder leaf(long serial, String subject, KeyPair k) throws IOException {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                new X500Name("CN=" + name),
                BigInteger.valueOf(serial),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(7))),
                new X500Name(subject),
                k.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        return b;
    }

    private X509Certificate sign(X509v3CertificateBuilder b) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        } catch (org.bouncycastle.operator.OperatorCreationException | java.security.cert.CertificateException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair ec() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    /** PEM text of certificates, in order. */
    public static String pem(X509Certificate... certificates) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            for (X509Certificate c : certificates) {
                pem.writeObject(c);
            }
        }
        return w.toString();
    }

    /** PEM text of a key in the given form. */
    public static String pem(PrivateKey key, KeyForm form) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            if (form == KeyForm.PKCS8) {
                pem.writeObject(new JcaPKCS8Generator(key, null));
            } else if (key.getAlgorithm().equals("EC")) {
                // SEC1 with the curve inside, as openssl writes it (BC's writer leaves the curve out)
                var info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
                var inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
                var full = new org.bouncycastle.asn1.sec.ECPrivateKey(
                        256,
                        inner.getKey(),
                        inner.getPublicKey() == null
                                ? null
                                : new org.bouncycastle.asn1.DERBitString(
                                        inner.getPublicKey().getBytes()),
                        info.getPrivateKeyAlgorithm().getParameters());
                pem.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", full.getEncoded()));
            } else {
                pem.writeObject(key);
            }
        }
        return w.toString();
    }

    /** Writes {@code text} to {@code file} by an atomic rename, as a rotation tool does. */
    public static void replace(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".new");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
