package dev.doorward.hub.chime;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.shared.Conflict;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.protocol.Limits;
import dev.doorward.protocol.LinkMessage;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A member silences a doorbell's chime for a while (a sleeping baby, a night shift). The hub only carries the
 * request: the doorbell keeps the time and rings again by itself when it is up.
 */
@RestController
class ChimeController {
    private final Devices devices;
    private final Households households;
    private final MemberAccess access;
    private final DeviceChannel connections;
    private final AuditLog audit;

    ChimeController(
            Devices devices, Households households, MemberAccess access, DeviceChannel connections, AuditLog audit) {
        this.devices = devices;
        this.households = households;
        this.access = access;
        this.connections = connections;
        this.audit = audit;
    }

    record Silence(Integer minutes) {}

    @PostMapping("/api/devices/{deviceId}/chime/silence")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Map<String, Object> silence(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String deviceId,
            @RequestBody Silence request) {
        // The same 404 for an unknown doorbell, someone else's, and one the member may not use now.
        Device device = (RandomIds.isWellFormedId(deviceId) ? devices.byId(deviceId) : Optional.<Device>empty())
                .filter(d -> households.roleOf(account.id(), d.householdId()).isPresent())
                .filter(d -> access.allows(account.id(), d.householdId(), d.id()))
                .orElseThrow(NotFound::new);
        int maxMinutes = Limits.MAX_CHIME_SILENCE_SECONDS / 60;
        if (request.minutes() == null || request.minutes() < 0 || request.minutes() > maxMinutes) {
            throw new InvalidInput("Silence the chime for 0 to " + maxMinutes + " minutes (0 lets it ring again)");
        }
        if (!connections.send(device.id(), new LinkMessage.ChimeSilence(request.minutes() * 60))) {
            throw new Conflict("The doorbell is offline");
        }
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "chime-silenced",
                request.minutes() == 0
                        ? account.getUsername() + " let the chime of " + device.name() + " ring again"
                        : account.getUsername() + " silenced the chime of " + device.name() + " for "
                                + request.minutes() + " min");
        return Map.of("minutes", request.minutes());
    }
}
