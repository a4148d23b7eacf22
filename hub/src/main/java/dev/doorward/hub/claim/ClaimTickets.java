package dev.doorward.hub.claim;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.shared.AccountDeleted;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Pending claim tickets, kept in memory only: a ticket holds the setup code the user typed until a device
 * presents the ticket, and the setup code must never reach the database or a log. A hub restart voids
 * pending tickets, which is the safe direction. Each ticket can be taken once.
 */
@Component
class ClaimTickets {
    private final Clock clock;
    private final Map<String, PendingClaim> byTicket = new ConcurrentHashMap<>();
    /** Public handle → status, so the browser can follow its claim without knowing the ticket. */
    private final Map<String, ClaimStatus> statusByHandle = new ConcurrentHashMap<>();

    ClaimTickets(Clock clock) {
        this.clock = clock;
    }

    PendingClaim issue(
            String accountId,
            String householdId,
            String setupCode,
            String deviceName,
            String ownerKeyFingerprint,
            Duration ttl) {
        PendingClaim claim = new PendingClaim(
                RandomIds.newId(),
                RandomIds.newId(),
                accountId,
                householdId,
                setupCode,
                deviceName,
                ownerKeyFingerprint,
                clock.instant().plus(ttl));
        byTicket.put(claim.ticket(), claim);
        statusByHandle.put(claim.handle(), ClaimStatus.waiting(claim.accountId(), claim.expiresAt()));
        return claim;
    }

    /** Removes and returns the ticket's claim if it exists and has not expired: single use. */
    Optional<PendingClaim> take(String ticket) {
        PendingClaim claim = byTicket.remove(ticket);
        if (claim == null || !clock.instant().isBefore(claim.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(claim);
    }

    void finish(String handle, ClaimStatus status) {
        statusByHandle.put(handle, status);
    }

    Optional<ClaimStatus> status(String handle) {
        return Optional.ofNullable(statusByHandle.get(handle));
    }

    /** A deleted account's pending claims, and any into a household that is gone, are void at once. */
    @EventListener
    void accountDeleted(AccountDeleted deleted) {
        byTicket.values()
                .removeIf(c -> c.accountId().equals(deleted.accountId())
                        || deleted.deletedHouseholdIds().contains(c.householdId()));
        statusByHandle.values().removeIf(s -> deleted.accountId().equals(s.accountId()));
    }

    @Scheduled(fixedDelay = 60_000)
    void forgetExpired() {
        Instant now = clock.instant();
        byTicket.values().removeIf(c -> !now.isBefore(c.expiresAt()));
        statusByHandle.values().removeIf(s -> now.isAfter(s.expiresAt().plus(Duration.ofHours(1))));
    }

    /** A claim the owner started in the web app. {@code handle} is public, {@code ticket} is in the QR only. */
    record PendingClaim(
            String handle,
            String ticket,
            String accountId,
            String householdId,
            String setupCode,
            String deviceName,
            String ownerKeyFingerprint,
            Instant expiresAt) {
        @Override
        public String toString() {
            return "PendingClaim[handle=" + handle + ", ticket=[REDACTED], setupCode=[REDACTED]]";
        }
    }

    /** What the web app shows while it waits. */
    record ClaimStatus(String state, String accountId, Instant expiresAt, String deviceId, String reason) {
        static ClaimStatus waiting(String accountId, Instant expiresAt) {
            return new ClaimStatus("waiting", accountId, expiresAt, null, null);
        }
    }
}
