package dev.doorward.device.pairing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When the device looks for a claim code with its camera. It opens on power-up of a factory-new device
 * and when the button is held long enough, closes by itself after a while, and closes after too many wrong
 * setup codes. Wrong codes are forgiven only by a new physical action (a new button hold): someone at the
 * door cannot keep guessing by waiting.
 *
 * <p>Not thread-safe: the agent drives it from its one event thread.
 */
public final class PairingWindow {
    public static final Duration DEFAULT_OPEN_FOR = Duration.ofMinutes(10);
    public static final Duration DEFAULT_HOLD = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_FAILURES = 5;

    /** Why the window is in its current state. */
    public enum State {
        CLOSED,
        OPEN,
        /** Closed by itself after its time ran out. */
        EXPIRED,
        /** Closed after too many wrong setup codes; only a new hold opens it again. */
        LOCKED_OUT
    }

    private final Clock clock;
    private final Duration openFor;
    private final Duration holdThreshold;
    private final int maxFailures;

    private State state = State.CLOSED;
    private Instant closesAt;
    private int failures;

    public PairingWindow(Clock clock, Duration openFor, Duration holdThreshold, int maxFailures) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.openFor = requirePositive(openFor, "openFor");
        this.holdThreshold = requirePositive(holdThreshold, "holdThreshold");
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures must be at least 1");
        }
        this.maxFailures = maxFailures;
    }

    public PairingWindow(Clock clock) {
        this(clock, DEFAULT_OPEN_FOR, DEFAULT_HOLD, DEFAULT_MAX_FAILURES);
    }

    /**
     * A factory-new device powering up. Failures are kept in memory only, so a power cycle counts as a
     * physical action too: it needs the same access to the device as the button.
     */
    public void powerUp() {
        open();
    }

    /**
     * The button was held for {@code held}. Returns true if that was long enough to open (or re-open) the
     * window; a shorter press changes nothing.
     */
    public boolean buttonHeld(Duration held) {
        if (held.compareTo(holdThreshold) < 0) {
            return false;
        }
        open();
        return true;
    }

    /**
     * A physical action other than a pairing hold (the reset pin, a reset hold on a factory-new device):
     * opens the window and forgives earlier wrong codes, as a hold does.
     */
    public void physicalReset() {
        open();
    }

    /** A setup code proof failed. Returns true if that closed the window. */
    public boolean wrongCode() {
        if (!isOpen()) {
            return false;
        }
        failures++;
        if (failures >= maxFailures) {
            state = State.LOCKED_OUT;
            closesAt = null;
            return true;
        }
        return false;
    }

    /** The device was claimed, or its owner closed the window. */
    public void close() {
        state = State.CLOSED;
        closesAt = null;
    }

    public boolean isOpen() {
        return state() == State.OPEN;
    }

    public State state() {
        if (state == State.OPEN && !clock.instant().isBefore(closesAt)) {
            state = State.EXPIRED;
            closesAt = null;
        }
        return state;
    }

    public int failures() {
        return failures;
    }

    public Duration holdThreshold() {
        return holdThreshold;
    }

    private void open() {
        state = State.OPEN;
        closesAt = clock.instant().plus(openFor);
        failures = 0;
    }

    private static Duration requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return d;
    }
}
