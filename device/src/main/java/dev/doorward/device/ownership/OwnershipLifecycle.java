package dev.doorward.device.ownership;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The rules of the ownership lifecycle, without storage, timers or network: given the current record and
 * what happened, what the record becomes and what the agent must do about it.
 *
 * <pre>
 * FACTORY_NEW   ──physical reset──▶ FACTORY_NEW (the pairing window opens)
 * OWNED         ──physical reset──▶ RESET_PENDING (deadline = now + cooling-off; the owner is told)
 * RESET_PENDING ──physical reset──▶ RESET_PENDING (same deadline: a new reset neither extends nor shortens it)
 * RESET_PENDING ──owner's veto (before the deadline)──▶ OWNED (flagged: vetoedAt recorded)
 * RESET_PENDING ──deadline reached──▶ FACTORY_NEW (after the device reported it and wiped itself)
 * veto in FACTORY_NEW / OWNED / after the deadline: ignored
 * </pre>
 *
 * Only a factory-new device may be claimed, in every state.
 */
public final class OwnershipLifecycle {
    private OwnershipLifecycle() {}

    /** What a rule decided. {@link #next()} is the record to store (and keep) when it differs. */
    public sealed interface Step {
        Ownership next();

        /** Nothing changes: {@code why} says what was ignored. */
        record Unchanged(Ownership next, String why) implements Step {}

        /** A factory-new device was reset: nothing to reset, the pairing window opens. */
        record OpenPairing(Ownership next) implements Step {}

        /** An owned device was reset: the cooling-off period starts; tell the owner. */
        record ResetStarted(Ownership next) implements Step {}

        /** A reset while one is pending: the deadline stays; tell the owner again. */
        record ResetAlreadyPending(Ownership next) implements Step {}

        /** The owner vetoed in time: owned again, flagged. */
        record ResetCancelled(Ownership next) implements Step {}

        /** The cooling-off period ended without a veto: report, wipe, and become {@code next} (factory-new). */
        record ResetDue(Ownership next) implements Step {}
    }

    /** A long button hold (at least the reset hold) or the reset pin. */
    public static Step physicalReset(Ownership current, Instant now, Duration coolingOff) {
        Objects.requireNonNull(now, "now");
        requireNotNegative(coolingOff);
        return switch (current.state()) {
            case FACTORY_NEW -> new Step.OpenPairing(current);
            case OWNED -> new Step.ResetStarted(current.withResetPending(now.plus(coolingOff)));
            case RESET_PENDING -> new Step.ResetAlreadyPending(current);
        };
    }

    /** The hub relayed the owner's veto. */
    public static Step veto(Ownership current, Instant now) {
        Objects.requireNonNull(now, "now");
        return switch (current.state()) {
            case FACTORY_NEW -> new Step.Unchanged(current, "no owner, nothing to veto");
            case OWNED -> new Step.Unchanged(current, "no reset pending");
            case RESET_PENDING ->
                now.isBefore(current.resetAt())
                        ? new Step.ResetCancelled(current.withResetVetoed(now))
                        : new Step.Unchanged(current, "too late: the cooling-off period has ended");
        };
    }

    /** The clock moved on (timer, start-up). */
    public static Step clock(Ownership current, Instant now) {
        Objects.requireNonNull(now, "now");
        if (current.state() == OwnershipState.RESET_PENDING && !now.isBefore(current.resetAt())) {
            return new Step.ResetDue(Ownership.factoryNew());
        }
        return new Step.Unchanged(current, "nothing due");
    }

    /** Whether a claim code may lead to a claim at all. */
    public static boolean mayClaim(Ownership current) {
        return current.state() == OwnershipState.FACTORY_NEW;
    }

    /** Zero is allowed: it is the owner's explicit, signed choice (see CoolingOffSetting), never a default. */
    private static void requireNotNegative(Duration d) {
        Objects.requireNonNull(d, "coolingOff");
        if (d.isNegative()) {
            throw new IllegalArgumentException("coolingOff must not be negative");
        }
    }
}
