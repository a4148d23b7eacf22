package dev.doorward.device.pairing;

import dev.doorward.device.ownership.Ownership;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.EventKind;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides what a QR code seen by the camera in pairing mode leads to. A code stays in front of the lens
 * for many frames, so each ticket is acted on once (a failed connection may be retried a little later).
 *
 * <p>An owned device never claims: the code is not even used to open a connection. It is reported to the
 * device's own hub instead, with the ticket when the code names that same hub (so the hub can void it and
 * tell the owner which account tried) and without anything from the code otherwise.
 */
public final class ClaimCodeSightings {
    private static final int REMEMBERED = 64;
    public static final String FOREIGN_HUB = "foreign-hub";
    public static final String TICKET_PREFIX = "ticket:";

    /** What to do about a sighting. */
    public sealed interface Decision {
        /** A factory-new device found a claim code it has not tried yet. */
        record Claim(ClaimCode code) implements Decision {}

        /** An owned device saw a claim code: report it, never act on it. */
        record Report(EventKind kind, String detail) implements Decision {
            @Override
            public String toString() {
                return "Report[" + kind + "]"; // the detail may hold a ticket
            }
        }

        /** Not a claim code, or one already handled. */
        record Ignore() implements Decision {}
    }

    private final Clock clock;
    /** Ticket → when it may be acted on again (Instant.MAX: never). */
    private final Map<String, Instant> handled = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > REMEMBERED;
        }
    };

    public ClaimCodeSightings(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public synchronized Decision sighted(String text, Ownership ownership) {
        Optional<ClaimCode> parsed = parse(text);
        if (parsed.isEmpty()) {
            return new Decision.Ignore();
        }
        ClaimCode code = parsed.get();
        Instant retryAt = handled.get(code.ticket());
        if (retryAt != null && clock.instant().isBefore(retryAt)) {
            return new Decision.Ignore();
        }
        handled.put(code.ticket(), Instant.MAX);
        if (ownership.isOwned()) {
            boolean ownHub = ownership.hubCaFingerprint().orElse("").equals(code.caFingerprint());
            return new Decision.Report(EventKind.CLAIM_REFUSED, ownHub ? TICKET_PREFIX + code.ticket() : FOREIGN_HUB);
        }
        return new Decision.Claim(code);
    }

    /** A claim with this ticket could not reach the hub: try again from {@code at} if the code is still shown. */
    public synchronized void retryFrom(String ticket, Instant at) {
        handled.put(ticket, at);
    }

    /** A new pairing window: codes seen before may be acted on again. */
    public synchronized void reset() {
        handled.clear();
    }

    private static Optional<ClaimCode> parse(String text) {
        try {
            return Optional.of(ClaimCode.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
