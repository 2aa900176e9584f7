package dev.ferry.protocols.sumdb.note;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A private key that signs notes, in the go form {@code PRIVATE+KEY+name+hash+base64(0x01 || 32-byte seed)}.
 * {@link #toString()} never shows the key.
 */
public final class Signer {
    private static final String PREFIX = "PRIVATE+KEY+";

    private final String name;
    private final int keyHash;
    private final Ed25519PrivateKeyParameters key;
    private final Verifier verifier;

    private Signer(String name, Ed25519PrivateKeyParameters key) {
        this.name = name;
        this.key = key;
        byte[] pub = new byte[33];
        pub[0] = Keys.ALG_ED25519;
        key.generatePublicKey().encode(pub, 1);
        this.verifier = new Verifier(name, pub);
        this.keyHash = verifier.keyHash();
    }

    /**
     * note.NewSigner: {@code PRIVATE+KEY+name+hash+key}, name valid as for {@link Verifier#parse}, key the standard
     * base64 of 0x01 and a 32-byte Ed25519 seed, and hash the key hash of the corresponding <em>public</em> key (so
     * the verifier key derived from it has the same hash). Messages never quote the key.
     */
    public static Signer parse(String skey) throws FormatException {
        if (skey == null || !skey.startsWith(PREFIX)) {
            throw new FormatException("invalid private key: want PRIVATE+KEY+name+hash+key");
        }
        String rest = skey.substring(PREFIX.length());
        int p1 = rest.indexOf('+');
        int p2 = p1 < 0 ? -1 : rest.indexOf('+', p1 + 1);
        if (p2 < 0) {
            throw new FormatException("invalid private key: want PRIVATE+KEY+name+hash+key");
        }
        String name = Keys.checkName(rest.substring(0, p1));
        int hash = Keys.parseHash(rest.substring(p1 + 1, p2), "private key");
        byte[] seed = Keys.decodeCanonical(rest.substring(p2 + 1));
        if (seed == null) {
            throw new FormatException("invalid private key for " + quote(name) + ": bad base64");
        }
        if (seed.length != 33 || seed[0] != Keys.ALG_ED25519) {
            throw new FormatException(
                    "invalid private key for " + quote(name) + ": want algorithm 1 (Ed25519) and a 32-byte seed");
        }
        Signer s = new Signer(name, new Ed25519PrivateKeyParameters(seed, 1));
        if (s.keyHash != hash) {
            throw new FormatException("invalid private key for " + quote(name) + ": key hash " + Keys.hex(hash)
                    + " does not match the key");
        }
        return s;
    }

    /** note.GenerateKey: a fresh Ed25519 key named {@code name} (valid as for {@link Verifier#parse}). */
    public static Signer generate(String name) throws FormatException {
        return new Signer(Keys.checkName(name), new Ed25519PrivateKeyParameters(new SecureRandom()));
    }

    public String name() {
        return name;
    }

    public int keyHash() {
        return keyHash;
    }

    /** The verifier for this key. */
    public Verifier verifier() {
        return verifier;
    }

    /** The Ed25519 signature of {@code message}. */
    public byte[] sign(byte[] message) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, key);
        s.update(message, 0, message.length);
        return s.generateSignature();
    }

    /** The go form {@code PRIVATE+KEY+name+hash+base64(0x01 || seed)}, which {@link #parse} reads back. Secret. */
    public String encodedPrivateKey() {
        byte[] b = new byte[33];
        b[0] = Keys.ALG_ED25519;
        key.encode(b, 1);
        return PREFIX + name + "+" + Keys.hex(keyHash) + "+"
                + Base64.getEncoder().encodeToString(b);
    }

    @Override
    public String toString() {
        return "Signer[" + name + "+" + Keys.hex(keyHash) + "]";
    }
}
