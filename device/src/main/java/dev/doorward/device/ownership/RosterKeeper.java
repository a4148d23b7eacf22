package dev.doorward.device.ownership;

import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.FromDevice;
import dev.doorward.protocol.LinkMessage.RosterUpdate;
import dev.doorward.protocol.Roster;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The household roster the doorbell holds: a new one is accepted only if it chains back to the pinned owner key
 * ({@link RosterVerifier}), and is stored with the owner key it names in one atomic write of the ownership record.
 * Runs on the agent thread, like every change of the record.
 */
public final class RosterKeeper {
    private static final Logger log = LoggerFactory.getLogger(RosterKeeper.class);
    /** Browser and doorbell clocks differ; the first roster may be signed this long before the claim. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(10);

    private final Clock clock;
    private final Supplier<Ownership> ownership;
    private final Consumer<Ownership> change;

    /** {@code change} stores the record durably, then makes it the device's. */
    public RosterKeeper(Clock clock, Supplier<Ownership> ownership, Consumer<Ownership> change) {
        this.clock = clock;
        this.ownership = ownership;
        this.change = change;
    }

    /**
     * Verifies and stores a roster from the hub and tells the hub (through {@code reply}) which epoch the device
     * holds now, or why it refused. Returns the roster if it was accepted.
     */
    public Optional<Roster> received(RosterUpdate update, Consumer<FromDevice> reply) {
        Ownership owned = ownership.get();
        if (!owned.isOwned()) {
            return Optional.empty();
        }
        RosterVerifier.Result result = RosterVerifier.verify(
                update.text(),
                update.signatureBytes(),
                update.signerPublicKeyBytes(),
                owned.roster(),
                owned.ownerKeyFingerprint(),
                owned.claimedAt().minus(CLOCK_SKEW),
                clock.instant());
        if (result instanceof RosterVerifier.Accepted accepted) {
            change.accept(owned.withRoster(update.text(), accepted.ownerFingerprint()));
            long epoch = accepted.acceptedRoster().epoch();
            log.info(
                    "Accepted roster {} ({} member browsers)",
                    epoch,
                    accepted.acceptedRoster().members().size());
            reply.accept(new LinkMessage.RosterStatus(epoch));
            return Optional.of(accepted.acceptedRoster());
        }
        String reason = result.problem().orElse("refused");
        log.warn("Refused a roster: {}", reason);
        reply.accept(new LinkMessage.RosterRefused(epochOf(update.text()), reason));
        return Optional.empty();
    }

    /** The epoch of the roster the device holds; 0 without one. */
    public long epoch() {
        return ownership.get().roster().map(text -> Roster.parse(text).epoch()).orElse(0L);
    }

    /** The roster the device holds now, if any. */
    public Optional<Roster> current() {
        return ownership.get().roster().map(Roster::parse);
    }

    /** The epoch a refused roster claims, for the report; 0 when it cannot even be read. */
    private static long epochOf(String text) {
        try {
            return Roster.parse(text).epoch();
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }
}
