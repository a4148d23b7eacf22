package dev.doorward.device.door;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The doorbell's chime output, next to the door relay: it rings at the press, on the doorbell itself, whatever
 * the network does. A member may silence it for a while; the doorbell counts that time on its own clock and rings
 * again when it is up, so a lost or replayed message never leaves it silent for good. A real doorbell drives a
 * GPIO line (or a mechanical chime's transformer) here; the simulator and the tests read its state.
 */
public final class Chime {
    /** How long one ring sounds. */
    public static final Duration RING_FOR = Duration.ofSeconds(2);

    private final Clock clock;
    private Instant ringingUntil = Instant.MIN;
    private Instant silencedUntil = Instant.MIN;
    private long rings;

    public Chime(Clock clock) {
        this.clock = clock;
    }

    /** The button was pressed: rings unless silenced. Returns whether it rang. */
    public synchronized boolean ring() {
        Instant now = clock.instant();
        if (now.isBefore(silencedUntil)) {
            return false;
        }
        ringingUntil = now.plus(RING_FOR);
        rings++;
        return true;
    }

    /** Silent for {@code duration} from now; zero rings again at once. */
    public synchronized void silenceFor(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a silence lasts zero or more seconds");
        }
        silencedUntil = duration.isZero() ? Instant.MIN : clock.instant().plus(duration);
        if (!duration.isZero()) {
            ringingUntil = Instant.MIN;
        }
    }

    public synchronized boolean isRinging() {
        return clock.instant().isBefore(ringingUntil);
    }

    /** Until when it stays silent, if it is silenced now. */
    public synchronized Optional<Instant> silencedUntil() {
        return clock.instant().isBefore(silencedUntil) ? Optional.of(silencedUntil) : Optional.empty();
    }

    /** How many times it rang since the device started. */
    public synchronized long rings() {
        return rings;
    }
}
