package dev.doorward.crypto.sframe;

import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF (RFC 5869) over the JDK's HMAC, for the hash of a cipher suite or plain SHA-256. */
public final class Hkdf {
    private Hkdf() {}

    /**
     * HKDF-Extract. An empty salt is, per RFC 5869 §2.2, a string of HashLen zeros (which is also what HMAC
     * does with an empty key; the JDK just refuses empty keys).
     */
    public static byte[] extract(String hmacAlgorithm, int hashLength, byte[] salt, byte[] ikm) {
        byte[] effectiveSalt = salt.length == 0 ? new byte[hashLength] : salt;
        try {
            Mac mac = Mac.getInstance(hmacAlgorithm);
            mac.init(new SecretKeySpec(effectiveSalt, hmacAlgorithm));
            return mac.doFinal(ikm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(hmacAlgorithm + " is missing from this JDK", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-Extract failed", e);
        }
    }

    /** HKDF-Expand. */
    public static byte[] expand(String hmacAlgorithm, int hashLength, byte[] prk, byte[] info, int length) {
        if (length <= 0 || length > 255 * hashLength) {
            throw new IllegalArgumentException("HKDF output length out of range: " + length);
        }
        try {
            Mac mac = Mac.getInstance(hmacAlgorithm);
            mac.init(new SecretKeySpec(prk, hmacAlgorithm));
            byte[] out = new byte[length];
            byte[] t = new byte[0];
            int done = 0;
            for (int i = 1; done < length; i++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                t = mac.doFinal();
                int n = Math.min(t.length, length - done);
                System.arraycopy(t, 0, out, done, n);
                done += n;
            }
            Arrays.fill(t, (byte) 0);
            return out;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(hmacAlgorithm + " is missing from this JDK", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-Expand failed", e);
        }
    }
}
