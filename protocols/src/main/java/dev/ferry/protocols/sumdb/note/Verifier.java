package dev.ferry.protocols.sumdb.note;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/** A public key that verifies note signatures, parsed from the go form {@code name+hash+base64(0x01 || key)}. */
public final class Verifier {
    private final String name;
    private final int keyHash;
    private final byte[] algAndKey;
    private final Ed25519PublicKeyParameters key;

    Verifier(String name, byte[] algAndKey) {
        this.name = name;
        this.algAndKey = algAndKey.clone();
        this.keyHash = Keys.keyHash(name, algAndKey);
        this.key = new Ed25519PublicKeyParameters(algAndKey, 1);
    }

    /**
     * note.NewVerifier: {@code name+hash+key} where the name is valid (non-empty; no '+', whitespace or control
     * characters), hash is 8 hex digits equal to the key hash (first 4 bytes, big-endian, of SHA-256(name || "\n" ||
     * key bytes)), and key is the standard base64 of the algorithm byte 0x01 (Ed25519) followed by the 32-byte public
     * key. The name ends at the first '+', the hash at the second; the key is the rest.
     */
    public static Verifier parse(String vkey) throws FormatException {
        if (vkey == null) {
            throw new FormatException("verifier key is missing");
        }
        int p1 = vkey.indexOf('+');
        int p2 = p1 < 0 ? -1 : vkey.indexOf('+', p1 + 1);
        if (p2 < 0) {
            throw new FormatException("invalid verifier key " + quote(vkey) + ": want name+hash+key");
        }
        String name = Keys.checkName(vkey.substring(0, p1));
        int hash = Keys.parseHash(vkey.substring(p1 + 1, p2), "verifier key");
        byte[] key = Keys.base64(vkey.substring(p2 + 1), "verifier key");
        if (key.length == 0) {
            throw new FormatException("invalid verifier key " + quote(vkey) + ": empty key");
        }
        if (hash != Keys.keyHash(name, key)) {
            throw new FormatException("invalid verifier key " + quote(vkey) + ": key hash " + Keys.hex(hash)
                    + " does not match the key (want " + Keys.hex(Keys.keyHash(name, key)) + ")");
        }
        if (key[0] != Keys.ALG_ED25519) {
            throw new FormatException("invalid verifier key " + quote(vkey) + ": unknown algorithm " + (key[0] & 0xff));
        }
        if (key.length != 33) {
            throw new FormatException(
                    "invalid verifier key " + quote(vkey) + ": Ed25519 key must be 32 bytes, not " + (key.length - 1));
        }
        try {
            return new Verifier(name, key);
        } catch (RuntimeException e) {
            throw new FormatException("invalid verifier key " + quote(vkey) + ": not an Ed25519 public key", e);
        }
    }

    public String name() {
        return name;
    }

    /** The key hash, which signature lines carry in their first 4 bytes; printed as 8 lower-case hex digits. */
    public int keyHash() {
        return keyHash;
    }

    /** Whether {@code signature} is this key's Ed25519 signature of {@code message}; a wrong length is just false. */
    public boolean verify(byte[] message, byte[] signature) {
        if (signature.length != Ed25519PublicKeyParameters.KEY_SIZE * 2) {
            return false;
        }
        Ed25519Signer s = new Ed25519Signer();
        s.init(false, key);
        s.update(message, 0, message.length);
        return s.verifySignature(signature);
    }

    /** The go form, {@code name+hash+base64(0x01 || key)}, which {@link #parse} reads back. */
    public String encoded() {
        return name + "+" + Keys.hex(keyHash) + "+" + Base64.getEncoder().encodeToString(algAndKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Verifier v && v.name.equals(name) && Arrays.equals(v.algAndKey, algAndKey);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(algAndKey);
    }

    @Override
    public String toString() {
        return encoded();
    }
}
