package dev.doorward.device.ownership;

import dev.doorward.device.ownership.OwnershipLifecycle.Step;
import dev.doorward.device.thread.AgentThread;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.Release;
import dev.doorward.protocol.LinkMessage.SetCoolingOff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of an ownership, on the doorbell, which is authoritative: a physical reset starts a cooling-off period the
 * owner can veto, and completes when it ends without one; an owner's signed release completes at once. Either way
 * the doorbell reports it, waits a moment for the hub's acknowledgement, then forgets its owner and opens its
 * pairing window. The decisions themselves are {@link OwnershipLifecycle}'s; this flow carries them out. Runs on
 * the agent thread.
 */
public final class ResetFlow {
    private static final Logger log = LoggerFactory.getLogger(ResetFlow.class);
    /** How long a completing reset waits for the hub to acknowledge its report before it wipes anyway. */
    public static final Duration REPORT_GRACE = Duration.ofSeconds(5);

    /** What the flow asks of the doorbell it runs on. */
    public interface Doorbell {
        Ownership ownership();

        /** Stores the new ownership record durably, then makes it the device's. */
        void change(Ownership next);

        /** Adds an event to the outbox (durably) and sends it if the link is up; returns its id. */
        String report(EventKind kind, String detail);

        /** Tells the hub a setting or statement was refused, if the link is up. */
        void refuse(LinkError error);

        /** Whether the doorbell has a link to its hub (up or reconnecting). */
        boolean linked();

        /** Ends the link and wipes the data directory (outbox, media, speaker file). */
        void forgetOwner();

        /** Opens the pairing window because of a physical reset of a factory-new device. */
        void openPairingByReset();

        /** Opens the pairing window of a device that has just become factory-new. */
        void openPairingAsNew();
    }

    private final Doorbell doorbell;
    private final CoolingOffSetting coolingOffSetting;
    private final Duration defaultCoolingOff;
    private final Clock clock;
    private final AgentThread thread;

    /** Set while a reset waits for the hub's acknowledgement of its report. */
    private Completion completing;

    private boolean closed;

    public ResetFlow(
            Doorbell doorbell,
            CoolingOffSetting coolingOffSetting,
            Duration defaultCoolingOff,
            Clock clock,
            AgentThread thread) {
        this.doorbell = doorbell;
        this.coolingOffSetting = coolingOffSetting;
        this.defaultCoolingOff = defaultCoolingOff;
        this.clock = clock;
        this.thread = thread;
    }

    /** A reset hold or the reset pin. Returns whether the pairing window opened. */
    public boolean physicalReset(String how) {
        if (completing != null) {
            log.warn("Physical reset by {} while a reset is completing: nothing more to do", how);
            return false;
        }
        Instant now = clock.instant();
        Step step = OwnershipLifecycle.physicalReset(
                doorbell.ownership(), now, coolingOffSetting.load().orElse(defaultCoolingOff));
        switch (step) {
            case Step.OpenPairing p -> {
                log.info("Physical reset by {} on a factory-new device: pairing window opened", how);
                doorbell.openPairingByReset();
                return true;
            }
            case Step.ResetStarted started -> {
                // Durable first: a restart or a wiped data directory must not lose (or skip) the deadline.
                doorbell.change(started.next());
                Instant until = started.next().resetAt();
                log.warn("Physical reset by {}: device stays owned until {} unless the owner vetoes", how, until);
                doorbell.report(EventKind.RESET_PENDING, "until=" + until.toEpochMilli());
                return false;
            }
            case Step.ResetAlreadyPending pending -> {
                Instant until = pending.next().resetAt();
                log.warn("Physical reset by {} while one is pending: the deadline stays {}", how, until);
                doorbell.report(EventKind.RESET_PENDING, "until=" + until.toEpochMilli());
                return false;
            }
            default -> throw new IllegalStateException("unexpected " + step);
        }
    }

    /** The hub relayed the owner's veto. Only ever keeps the device owned. */
    public void vetoed() {
        if (completing != null) {
            log.warn("Ignored a reset veto: too late, the reset is completing");
            return;
        }
        Step step = OwnershipLifecycle.veto(doorbell.ownership(), clock.instant());
        if (step instanceof Step.ResetCancelled cancelled) {
            doorbell.change(cancelled.next());
            log.warn("The owner vetoed the physical reset: device stays owned (flagged)");
            doorbell.report(EventKind.RESET_CANCELLED, null);
        } else if (step instanceof Step.Unchanged unchanged) {
            log.info("Ignored a reset veto: {}", unchanged.why());
        }
    }

    /** The owner chose another cooling-off period (signed by their key; zero only by their choice). */
    public void coolingOffSet(SetCoolingOff setting) {
        CoolingOffSetting.Result result = coolingOffSetting.apply(setting, doorbell.ownership(), clock.instant());
        if (result.problem().isPresent()) {
            log.warn("Refused a cooling-off setting: {}", result.problem().get());
            doorbell.refuse(new LinkError(
                    ErrorCode.NOT_ALLOWED,
                    "setting refused: " + result.problem().get()));
            return;
        }
        long seconds = result.period().orElseThrow().toSeconds();
        log.info("Cooling-off period for a physical reset is now {} s", seconds);
        doorbell.report(EventKind.SETTING_CHANGED, "cooling-off=" + seconds);
    }

    /**
     * The owner releases the device (selling it, giving it away). Only a statement signed by the browser key
     * pinned at claim time counts; then the device reports RELEASED and wipes itself like a completed reset.
     */
    public void released(Release release) {
        if (closed || completing != null) {
            return;
        }
        Optional<String> problem = ReleaseStatement.problem(release, doorbell.ownership(), clock.instant());
        if (problem.isPresent()) {
            log.warn("Refused a release: {}", problem.get());
            doorbell.refuse(new LinkError(ErrorCode.NOT_ALLOWED, "release refused: " + problem.get()));
            return;
        }
        log.warn("Released by the owner: reporting, then resetting to factory-new");
        awaitAcknowledgement(new Completion(doorbell.report(EventKind.RELEASED, null), true), null);
    }

    /** Completes a reset whose cooling-off period ended without a veto (checked every tick and at power-up). */
    public void checkDeadline() {
        if (closed || completing != null) {
            return;
        }
        if (!(OwnershipLifecycle.clock(doorbell.ownership(), clock.instant()) instanceof Step.ResetDue)) {
            return;
        }
        log.warn("Cooling-off period over without a veto: reporting, then resetting to factory-new");
        String eventId = doorbell.report(EventKind.RESET_COMPLETED, null);
        if (!doorbell.linked()) {
            complete();
            return;
        }
        // Give the hub a moment to hear it (now, or as soon as the link is up); never wait longer.
        awaitAcknowledgement(
                new Completion(eventId, false),
                "The hub did not acknowledge the completed reset in time; wiping anyway");
    }

    /**
     * The hub acknowledged an event. Returns whether it was the report of a completing reset (which then
     * completes).
     */
    public boolean acknowledged(String eventId) {
        if (completing == null || !completing.eventId.equals(eventId)) {
            return false;
        }
        log.info("The hub acknowledged the completed reset");
        complete();
        return true;
    }

    /** The agent is closing: nothing more completes. */
    public void close() {
        closed = true;
    }

    private void awaitAcknowledgement(Completion completion, String timeoutMessage) {
        completing = completion;
        completion.timeout = thread.schedule(
                        () -> {
                            if (completing == completion) {
                                if (timeoutMessage != null) {
                                    log.info(timeoutMessage);
                                }
                                complete();
                            }
                        },
                        REPORT_GRACE)
                .orElse(null);
    }

    /**
     * Forgets the owner: the link goes, the data directory is wiped, the protected record becomes FACTORY_NEW
     * (operational certificate, hub CA, owner key and device id gone) and the pairing window opens. The factory
     * identity (device key and certificate, setup verifier) stays.
     */
    private void complete() {
        Completion completion = completing;
        completing = null;
        if (completion != null && completion.timeout != null) {
            completion.timeout.cancel(false);
        }
        boolean released = completion != null && completion.release;
        if (!doorbell.ownership().isResetPending() && !released) {
            return;
        }
        // The data first: a power cut before the record changes repeats the whole reset at start-up, whereas
        // the other order could leave a factory-new device holding its previous owner's data.
        doorbell.forgetOwner();
        coolingOffSetting.forget();
        doorbell.change(Ownership.factoryNew());
        log.warn("Reset complete: the device is factory-new; pairing window open");
        doorbell.openPairingAsNew();
    }

    /** A reset waiting for the hub to acknowledge its report. */
    private static final class Completion {
        final String eventId;
        /** An owner's release rather than the end of a cooling-off period. */
        final boolean release;

        ScheduledFuture<?> timeout;

        Completion(String eventId, boolean release) {
            this.eventId = eventId;
            this.release = release;
        }
    }
}
