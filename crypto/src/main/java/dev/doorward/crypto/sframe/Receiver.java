package dev.doorward.crypto.sframe;

import dev.doorward.crypto.sframe.SFrameException.Reason;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The opening side of one sender's stream: the keys of that sender by KID (in Doorward, one per media epoch
 * still in use during a rotation), each with a {@value #WINDOW}-frame sliding replay window (RFC 9605 §7.4,
 * §9.3). A frame is opened only if its KID is known, its tag verifies and its counter is neither already
 * accepted nor older than the window (the highest counter accepted minus {@value #WINDOW} and below);
 * frames within the window may arrive out of order. The window moves only after a frame authenticates, so
 * forged frames cannot push it forward. Thread-safe.
 */
public final class Receiver {
    /** How many counters back from the highest one accepted a frame may still arrive. */
    public static final int WINDOW = 64;

    private final Map<Long, Window> keys = new HashMap<>();

    /**
     * Adds the key of a KID this receiver does not hold yet.
     *
     * @throws IllegalArgumentException if the KID already has a key (replacing it would reset its window)
     */
    public synchronized void addKey(SFrameContext context) {
        Objects.requireNonNull(context, "context");
        if (keys.putIfAbsent(context.kid(), new Window(context)) != null) {
            throw new IllegalArgumentException("KID " + Long.toUnsignedString(context.kid()) + " already has a key");
        }
    }

    /** Forgets a KID (an epoch that ended); later frames for it fail with UNKNOWN_KEY. */
    public synchronized boolean removeKey(long kid) {
        return keys.remove(kid) != null;
    }

    public synchronized boolean hasKey(long kid) {
        return keys.containsKey(kid);
    }

    /**
     * Opens one frame of this stream.
     *
     * @throws SFrameException MALFORMED, UNKNOWN_KEY, AUTHENTICATION_FAILED, REPLAYED or TOO_OLD
     */
    public synchronized byte[] open(byte[] sframeCiphertext, byte[] metadata) throws SFrameException {
        SFrameHeader header = SFrameContext.parse(sframeCiphertext);
        Window window = keys.get(header.kid());
        if (window == null) {
            throw new SFrameException(Reason.UNKNOWN_KEY, "no key for KID " + Long.toUnsignedString(header.kid()));
        }
        window.check(header.counter());
        byte[] plaintext = window.context.open(header, sframeCiphertext, metadata);
        window.accept(header.counter());
        return plaintext;
    }

    /** Bit i of {@code seen} stands for counter {@code highest - i}. Counters are unsigned. */
    private static final class Window {
        final SFrameContext context;
        boolean any;
        long highest;
        long seen;

        Window(SFrameContext context) {
            this.context = context;
        }

        void check(long counter) throws SFrameException {
            if (!any || Long.compareUnsigned(counter, highest) > 0) {
                return;
            }
            long behind = highest - counter;
            if (Long.compareUnsigned(behind, WINDOW) >= 0) {
                throw new SFrameException(Reason.TOO_OLD, "counter is older than the replay window");
            }
            if ((seen & (1L << behind)) != 0) {
                throw new SFrameException(Reason.REPLAYED, "counter already accepted");
            }
        }

        void accept(long counter) {
            if (!any) {
                any = true;
                highest = counter;
                seen = 1L;
            } else if (Long.compareUnsigned(counter, highest) > 0) {
                long ahead = counter - highest;
                seen = Long.compareUnsigned(ahead, WINDOW) >= 0 ? 1L : seen << ahead | 1L;
                highest = counter;
            } else {
                seen |= 1L << (highest - counter);
            }
        }
    }
}
