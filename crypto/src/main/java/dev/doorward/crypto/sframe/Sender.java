package dev.doorward.crypto.sframe;

import dev.doorward.crypto.sframe.SFrameException.Reason;
import java.util.Objects;

/**
 * The sealing side of one base key: owns the counter, which starts at 0 (or where a persisted sender left
 * off), goes up by one per frame, never repeats and never wraps around. After CTR 2^64 − 1 has been used
 * every further {@link #seal} fails with {@link Reason#COUNTER_EXHAUSTED}; the sender needs a new key
 * (in Doorward, a new epoch). Thread-safe.
 */
public final class Sender {
    private final SFrameContext context;
    private long next;
    private boolean exhausted;

    /** A sender counting from 0; the context must be used by no other sender. */
    public Sender(SFrameContext context) {
        this(context, 0);
    }

    /**
     * A sender resuming at {@code nextCounter} (unsigned), for a key whose earlier counters were already
     * used by this same sender.
     */
    public Sender(SFrameContext context, long nextCounter) {
        this.context = Objects.requireNonNull(context, "context");
        this.next = nextCounter;
    }

    /** Seals the next frame with the next counter. */
    public synchronized byte[] seal(byte[] metadata, byte[] plaintext) throws SFrameException {
        if (exhausted) {
            throw new SFrameException(Reason.COUNTER_EXHAUSTED, "every counter of this key is used; rotate the key");
        }
        long counter = next;
        byte[] sealed = context.seal(counter, metadata, plaintext);
        if (counter == -1L) {
            exhausted = true;
        } else {
            next = counter + 1;
        }
        return sealed;
    }

    /** The counter the next frame will carry (unsigned); meaningless once exhausted. */
    public synchronized long nextCounter() {
        return next;
    }

    public synchronized boolean exhausted() {
        return exhausted;
    }

    public long kid() {
        return context.kid();
    }
}
