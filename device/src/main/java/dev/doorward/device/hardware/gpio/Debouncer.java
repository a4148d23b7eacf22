package dev.doorward.device.hardware.gpio;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** A switch's state once it has been steady for the debounce time: contact bounce and short spikes are ignored. */
final class Debouncer {
    private final Duration steadyFor;
    private boolean stable;
    private boolean candidate;
    private Instant candidateSince;

    Debouncer(Duration steadyFor, boolean initial) {
        this.steadyFor = steadyFor;
        this.stable = initial;
        this.candidate = initial;
    }

    /** The raw state now; returns the new stable state when it changed. */
    Optional<Boolean> sample(boolean raw, Instant now) {
        if (raw != candidate) {
            candidate = raw;
            candidateSince = now;
        }
        if (candidate != stable && candidateSince != null && !now.isBefore(candidateSince.plus(steadyFor))) {
            stable = candidate;
            return Optional.of(stable);
        }
        return Optional.empty();
    }

    /** When a change seen but not yet steady will count, if it stays: the next time to sample. */
    Optional<Instant> settlesAt() {
        return candidate != stable && candidateSince != null
                ? Optional.of(candidateSince.plus(steadyFor))
                : Optional.empty();
    }

    boolean stable() {
        return stable;
    }
}
