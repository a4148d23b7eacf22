package dev.doorward.hub.door;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.shared.Conflict;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.protocol.Limits;
import dev.doorward.protocol.LinkMessage;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Door release from the web app (DESIGN §8): the browser asks for a nonce the doorbell issues, signs the
 * release with its own key and posts it; the hub checks membership, carries it and reports the doorbell's
 * verdict. The doorbell decides — the hub has no key that opens the door.
 */
@RestController
class DoorController {
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]{1,512}");

    private final Devices devices;
    private final Households households;
    private final DeviceChannel connections;
    private final DoorRequests requests;
    private final AuditLog audit;
    private final RateLimiter limiter;
    private final MemberAccess access;

    DoorController(
            Devices devices,
            Households households,
            DeviceChannel connections,
            DoorRequests requests,
            AuditLog audit,
            RateLimiter limiter,
            MemberAccess access) {
        this.access = access;
        this.devices = devices;
        this.households = households;
        this.connections = connections;
        this.requests = requests;
        this.audit = audit;
        this.limiter = limiter;
    }

    /** A member's own doorbell, or the same 404 for an unknown one and someone else's. */
    private Device memberDevice(SignedInAccount account, String deviceId) {
        Device device = (RandomIds.isWellFormedId(deviceId)
                        ? devices.byId(deviceId)
                        : java.util.Optional.<Device>empty())
                .filter(d -> households.roleOf(account.id(), d.householdId()).isPresent())
                .filter(d -> access.allows(account.id(), d.householdId(), d.id()))
                .orElseThrow(NotFound::new);
        var decision = limiter.tryAcquire(RateLimit.DOOR_REQUESTS, account.id());
        if (!decision.allowed()) {
            throw new TooManyRequests(decision.retryAfterSeconds());
        }
        return device;
    }

    @PostMapping("/api/devices/{deviceId}/door/nonce")
    Map<String, String> nonce(@AuthenticationPrincipal SignedInAccount account, @PathVariable String deviceId) {
        Device device = memberDevice(account, deviceId);
        LinkMessage.DoorNonce nonce = requests.ask(
                        device.id(),
                        requestId -> connections.send(device.id(), new LinkMessage.DoorNonceRequest(requestId)),
                        LinkMessage.DoorNonce.class)
                .orElseThrow(() -> new Conflict("The doorbell is offline"));
        return Map.of("nonce", nonce.nonce());
    }

    record Release(String statement, String signature, String signerPublicKey) {}

    @PostMapping("/api/devices/{deviceId}/door/open")
    ResponseEntity<?> open(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String deviceId,
            @RequestBody Release release) {
        Device device = memberDevice(account, deviceId);
        if (release.statement() == null
                || release.statement().length() > Limits.MAX_DETAIL_CHARS
                || release.signature() == null
                || !BASE64URL.matcher(release.signature()).matches()
                || release.signerPublicKey() == null
                || !BASE64URL.matcher(release.signerPublicKey()).matches()) {
            throw new InvalidInput("A door release needs a signed statement");
        }
        LinkMessage.DoorResult result = requests.ask(
                        device.id(),
                        requestId -> connections.send(
                                device.id(),
                                new LinkMessage.DoorOpen(
                                        requestId,
                                        release.statement(),
                                        release.signature(),
                                        release.signerPublicKey())),
                        LinkMessage.DoorResult.class)
                .orElseThrow(() -> new Conflict("The doorbell is offline"));
        String who = "account:" + account.id();
        if (result.opened()) {
            audit.record(device.householdId(), who, "door-opened", account.getUsername() + " opened " + device.name());
            return ResponseEntity.ok(Map.of("opened", true));
        }
        audit.record(
                device.householdId(),
                who,
                "door-refused",
                device.name() + " refused to open for " + account.getUsername() + ": " + result.reason());
        return ResponseEntity.status(HttpStatus.FORBIDDEN)
                .body(ProblemDetail.forStatusAndDetail(
                        HttpStatus.FORBIDDEN, "The doorbell refused: " + result.reason()));
    }
}
