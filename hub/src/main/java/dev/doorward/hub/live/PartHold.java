package dev.doorward.hub.live;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The parts a sink keeps, in order, while it is held: a view starting (until it is recorded and keyed), or a media key
 * on its way (until it is handed on). Holds are counted: parts flow again after the last one ends.
 */
final class PartHold {
    /** Whether parts are kept: while {@link #holds} is above 0. Read first, without the lock, on every part. */
    private volatile boolean holding;
    /** Guarded by this. */
    private int holds;
    /** Guarded by this. */
    private final List<ByteBuffer> held = new ArrayList<>();
    /** What {@link #held} holds: counted as queued, so past a sink's limit its gate drops frames as for a slow reader. */
    private volatile long bytes;

    /** Keeps the part if held (false: send it now). The part is the read-only copy all sinks share. */
    boolean keep(ByteBuffer part) {
        if (!holding) {
            return false;
        }
        synchronized (this) {
            if (!holding) {
                return false;
            }
            held.add(part);
            bytes += part.remaining();
            return true;
        }
    }

    synchronized void hold() {
        holds++;
        holding = true;
    }

    /** If only one hold is left, hands what waited so far to {@code send}, in order; the hold stays. */
    synchronized void drainIfLast(Consumer<ByteBuffer> send) {
        if (holds == 1) {
            drain(send);
        }
    }

    /** Ends one hold; after the last, hands what waited to {@code send}, in order, and lets parts through. */
    synchronized void end(Consumer<ByteBuffer> send) {
        if (--holds == 0) {
            drain(send);
            holding = false;
        }
    }

    long bytes() {
        return bytes;
    }

    private void drain(Consumer<ByteBuffer> send) {
        held.forEach(send);
        held.clear();
        bytes = 0;
    }
}
