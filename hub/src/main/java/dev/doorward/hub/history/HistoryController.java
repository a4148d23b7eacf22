package dev.doorward.hub.history;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.client.MemberClients;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.eventmedia.EventMediaStore;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.live.MediaKeys;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Snapshots, clips and the keys to open them, for the household's members only (docs/media.md "Event
 * media"). What a serial number or a guessed id gets anyone else: the same 404 as an id that does not exist.
 * Every fetch is rate-limited and written to the household's audit log. The hub hands out ciphertext and
 * per-browser key envelopes; it can open neither.
 */
@RestController
class HistoryController {
    private final Devices devices;
    private final Households households;
    private final MemberClients clients;
    private final MediaKeys keys;
    private final EventMediaStore media;
    private final AuditLog audit;
    private final RateLimiter limiter;
    private final MemberAccess access;

    HistoryController(
            Devices devices,
            Households households,
            MemberClients clients,
            MediaKeys keys,
            EventMediaStore media,
            AuditLog audit,
            RateLimiter limiter,
            MemberAccess access) {
        this.access = access;
        this.devices = devices;
        this.households = households;
        this.clients = clients;
        this.keys = keys;
        this.media = media;
        this.audit = audit;
        this.limiter = limiter;
    }

    /** The device, if the account is a member of its household; the one 404 otherwise. */
    private Device memberDevice(SignedInAccount account, String deviceId, RateLimit limit) {
        var decision = limiter.tryAcquire(limit, account.id());
        if (!decision.allowed()) {
            throw new TooManyRequests(decision.retryAfterSeconds());
        }
        return (RandomIds.isWellFormedId(deviceId) ? devices.byId(deviceId) : Optional.<Device>empty())
                .filter(d -> households.roleOf(account.id(), d.householdId()).isPresent())
                .filter(d -> access.allows(account.id(), d.householdId(), d.id()))
                .orElseThrow(NotFound::new);
    }

    @GetMapping("/api/devices/{deviceId}/events/{eventId}/{kind}")
    ResponseEntity<byte[]> object(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String deviceId,
            @PathVariable String eventId,
            @PathVariable String kind) {
        Device device = memberDevice(account, deviceId, RateLimit.MEDIA_FETCHES);
        EventMediaKind mediaKind = switch (kind) {
            case "snapshot" -> EventMediaKind.SNAPSHOT;
            case "clip" -> EventMediaKind.CLIP;
            default -> throw new NotFound();
        };
        if (!RandomIds.isWellFormedId(eventId)) {
            throw new NotFound();
        }
        EventMediaStore.StoredMedia stored =
                media.find(device.id(), eventId, mediaKind).orElseThrow(NotFound::new);
        byte[] sealed = media.read(stored).orElseThrow(NotFound::new);
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "media-fetched",
                account.getUsername() + " opened the " + kind + " of an event at " + device.name());
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .cacheControl(CacheControl.noStore())
                .body(sealed);
    }

    @GetMapping("/api/devices/{deviceId}/media-keys/{epoch}")
    Map<String, Object> key(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String deviceId,
            @PathVariable long epoch,
            @RequestParam String clientId) {
        Device device = memberDevice(account, deviceId, RateLimit.MEDIA_FETCHES);
        boolean own = clients.ofAccount(account.id()).stream().anyMatch(c -> c.id().equals(clientId));
        if (!own) {
            throw new NotFound();
        }
        MediaKeys.Envelope envelope = keys.of(device.id(), clientId, epoch).orElseThrow(NotFound::new);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("deviceId", envelope.deviceId());
        view.put("epoch", envelope.epoch());
        view.put("clientId", envelope.clientId());
        view.put("slot", envelope.slot());
        view.put("ephemeralKey", envelope.ephemeralKey());
        view.put("nonce", envelope.nonce());
        view.put("wrapped", envelope.wrapped());
        return view;
    }

    @DeleteMapping("/api/devices/{deviceId}/events/{eventId}")
    Map<String, Object> delete(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String deviceId,
            @PathVariable String eventId) {
        Device device = memberDevice(account, deviceId, RateLimit.MEDIA_FETCHES);
        Role role = households.roleOf(account.id(), device.householdId()).orElseThrow(NotFound::new);
        if (!role.isAdmin() || !RandomIds.isWellFormedId(eventId)) {
            throw new NotFound();
        }
        int[] deleted = media.deleteEvent(device.id(), eventId);
        if (deleted[0] == 0) {
            throw new NotFound();
        }
        keys.forgetUnused(device.id());
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "event-deleted",
                account.getUsername() + " deleted an event of " + device.name() + " with " + deleted[1]
                        + " sealed media objects");
        return Map.of("deleted", Map.of("events", deleted[0], "blobs", deleted[1]));
    }

    record Retention(Integer days) {}

    @PutMapping("/api/households/{householdId}/retention")
    Map<String, Integer> retention(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            @RequestBody Retention request) {
        Role role = households.requireRole(account.id(), householdId);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        if (request.days() == null || request.days() < 1 || request.days() > 365) {
            throw new InvalidInput("Keep events for 1 to 365 days");
        }
        households.setRetentionDays(householdId, request.days());
        audit.record(
                householdId,
                "account:" + account.id(),
                "retention-changed",
                account.getUsername() + " set the history to be kept for " + request.days() + " days");
        return Map.of("days", request.days());
    }
}
