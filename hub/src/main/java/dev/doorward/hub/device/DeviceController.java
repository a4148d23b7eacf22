package dev.doorward.hub.device;

import dev.doorward.hub.account.SignedInAccount;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.household.Role;
import dev.doorward.hub.link.DeviceConnections;
import dev.doorward.hub.web.InvalidInput;
import dev.doorward.hub.web.NotFound;
import dev.doorward.protocol.LinkMessage;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The doorbells of every household the signed-in account belongs to, and what their owners do to them. */
@RestController
class DeviceController {
    private final Devices devices;
    private final Households households;
    private final DeviceConnections connections;
    private final AuditLog audit;

    DeviceController(Devices devices, Households households, DeviceConnections connections, AuditLog audit) {
        this.devices = devices;
        this.households = households;
        this.connections = connections;
        this.audit = audit;
    }

    record DeviceView(
            String id,
            String householdId,
            String name,
            boolean online,
            String claimedAt,
            String lastSeenAt,
            String resetPendingUntil,
            boolean resetVetoRequested) {}

    @GetMapping("/api/devices")
    List<DeviceView> list(@AuthenticationPrincipal SignedInAccount account) {
        List<DeviceView> views = new ArrayList<>();
        for (Households.Membership m : households.membershipsOf(account.id())) {
            for (Devices.Device d : devices.ofHousehold(m.householdId())) {
                views.add(new DeviceView(
                        d.id(),
                        d.householdId(),
                        d.name(),
                        connections.isOnline(d.id()),
                        d.claimedAt().toString(),
                        d.lastSeenAt() == null ? null : d.lastSeenAt().toString(),
                        d.resetPendingUntil() == null
                                ? null
                                : d.resetPendingUntil().toString(),
                        d.resetVetoRequestedAt() != null));
            }
        }
        return views;
    }

    /**
     * Keeps a doorbell that someone is resetting at the door. The veto reaches the doorbell now if it is
     * online, else when it next connects; it only ever keeps the device owned.
     */
    @PostMapping("/api/devices/{id}/veto-reset")
    @ResponseStatus(HttpStatus.ACCEPTED)
    void vetoReset(@AuthenticationPrincipal SignedInAccount account, @PathVariable String id) {
        Devices.Device device = devices.byId(id).orElseThrow(NotFound::new);
        Role role = households.roleOf(account.id(), device.householdId()).orElseThrow(NotFound::new);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        if (device.resetPendingUntil() == null) {
            throw new InvalidInput("No reset of this doorbell is pending");
        }
        devices.vetoRequested(id);
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "reset-vetoed",
                account.getUsername() + " vetoed the reset of '" + device.name() + "'");
        connections.send(id, new LinkMessage.ResetVeto());
    }
}
