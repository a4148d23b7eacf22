package dev.doorward.device.door;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The simulated door relay: released for a fixed time after each accepted command. A real doorbell drives a
 * GPIO line here; the simulator and the tests read its state.
 */
public final class DoorRelay {
    public static final Duration DEFAULT_OPEN_FOR = Duration.ofSeconds(5);

    private final Clock clock;
    private final Duration openFor;
    private Instant openUntil = Instant.MIN;
    private long releases;

    public DoorRelay(Clock clock, Duration openFor) {
        if (openFor.isNegative() || openFor.isZero()) {
            throw new IllegalArgumentException("the door opens for a positive time");
        }
        this.clock = clock;
        this.openFor = openFor;
    }

    synchronized void release() {
        openUntil = clock.instant().plus(openFor);
        releases++;
    }

    public synchronized boolean isOpen() {
        return clock.instant().isBefore(openUntil);
    }

    /** How many times the door was released since the device started. */
    public synchronized long releases() {
        return releases;
    }
}
