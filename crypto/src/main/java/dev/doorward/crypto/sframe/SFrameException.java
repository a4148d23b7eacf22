package dev.doorward.crypto.sframe;

import java.security.GeneralSecurityException;
import java.util.Objects;

/**
 * An SFrame ciphertext was not opened (or a frame could not be sealed). No plaintext accompanies it: the
 * caller drops the frame. The message never contains key material or plaintext.
 */
public final class SFrameException extends GeneralSecurityException {
    private static final long serialVersionUID = 1L;

    /** Why the frame was refused. */
    public enum Reason {
        /** The header is truncated or not a minimal RFC 9605 encoding, or the ciphertext is shorter than a tag. */
        MALFORMED,
        /** No key for the header's KID (for example an epoch this receiver does not hold). */
        UNKNOWN_KEY,
        /** The AEAD tag did not verify: tampered, wrong key, wrong metadata. */
        AUTHENTICATION_FAILED,
        /** This (KID, CTR) was already accepted. */
        REPLAYED,
        /** The counter is older than the receiver's replay window for that KID. */
        TOO_OLD,
        /** The sender has used every counter value of this key; a new key (epoch) is needed. */
        COUNTER_EXHAUSTED
    }

    private final Reason reason;

    public SFrameException(Reason reason, String message) {
        super(Objects.requireNonNull(reason, "reason") + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
