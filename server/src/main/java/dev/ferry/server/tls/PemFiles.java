package dev.ferry.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Certificates and private keys from PEM files, in the forms an internal CA or cert-manager writes: a chain of
 * CERTIFICATE blocks, and a key as PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1
 * ({@code EC PRIVATE KEY}). Bouncy Castle's parser reads the key because the JDK reads only PKCS#8.
 */
public final class PemFiles {
    private PemFiles() {}

    /** A certificate chain with its key, checked to belong together. */
    public record KeyAndChain(PrivateKey key, List<X509Certificate> chain) {
        public KeyAndChain {
            chain = List.copyOf(chain);
        }

        public X509Certificate leaf() {
            return chain.getFirst();
        }
    }

    /** Every certificate in {@code file}, in order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": not a PEM certificate file: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no CERTIFICATE block");
        }
        return List.copyOf(out);
    }

    /** The first private key in {@code file}; encrypted keys are refused (ferry has nowhere to get a password). */
    public static PrivateKey privateKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        try (Reader r = new StringReader(text);
                PEMParser parser = new PEMParser(r)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o; (o = parser.readObject()) != null; ) {
                switch (o) {
                    case PrivateKeyInfo info -> {
                        return converter.getPrivateKey(info);
                    }
                    case PEMKeyPair pair -> {
                        return converter.getPrivateKey(pair.getPrivateKeyInfo());
                    }
                    case PEMEncryptedKeyPair ignored -> throw new IOException(file + ": the key is encrypted");
                    case PKCS8EncryptedPrivateKeyInfo ignored -> throw new IOException(file + ": the key is encrypted");
                    default -> {
                        // EC PARAMETERS before an EC key, or a certificate in the same file
                    }
                }
            }
        } catch (IOException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(file.toString())
                    ? e
                    : new IOException(file + ": not a PEM private key: " + e.getMessage(), e);
        }
        throw new IOException(file + ": no PRIVATE KEY block (PKCS#8, RSA or EC)");
    }

    /** The chain and the key, refused when the key is not the first certificate's (half of a rotation). */
    public static KeyAndChain keyAndChain(Path certificateFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = certificates(certificateFile);
        PrivateKey key = privateKey(keyFile);
        if (!matches(key, chain.getFirst())) {
            throw new IOException(
                    "the key in " + keyFile + " does not belong to the first certificate in " + certificateFile);
        }
        return new KeyAndChain(key, chain);
    }

    /** Signs a message with the key and checks it with the certificate: the one test that fits every key type. */
    static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null || algorithm.equals("RSASSA-PSS")) {
            return certificate.getPublicKey().getAlgorithm().equals(key.getAlgorithm());
        }
        try {
            byte[] message = "ferry key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(message);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(certificate.getPublicKey());
            v.update(message);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
