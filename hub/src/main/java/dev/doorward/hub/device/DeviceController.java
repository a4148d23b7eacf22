package dev.doorward.hub.device;

import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.MemberDirectory;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.hub.web.HubPorts;
import java.util.ArrayList;
import java.util.List;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The doorbells of every household the signed-in account belongs to (ownership actions: see ownership). */
@RestController
class DeviceController {
    private final Devices devices;
    private final Households households;
    private final DeviceChannel connections;
    private final HubPki pki;
    private final HubPorts ports;
    private final MemberDirectory access;

    DeviceController(
            Devices devices,
            Households households,
            DeviceChannel connections,
            HubPki pki,
            HubPorts ports,
            MemberDirectory access) {
        this.access = access;
        this.devices = devices;
        this.households = households;
        this.connections = connections;
        this.pki = pki;
        this.ports = ports;
    }

    record DeviceView(
            String id,
            String householdId,
            String name,
            boolean online,
            String claimedAt,
            String lastSeenAt,
            String resetPendingUntil,
            boolean resetVetoRequested,
            String hubCaFingerprint,
            String deviceLinkUrl,
            Long coolingOffSeconds) {}

    @GetMapping("/api/devices")
    List<DeviceView> list(@AuthenticationPrincipal SignedInAccount account) {
        List<DeviceView> views = new ArrayList<>();
        for (Households.Membership m : households.membershipsOf(account.id())) {
            for (Devices.Device d : devices.ofHousehold(m.householdId())) {
                if (!access.mayUse(account.id(), d.householdId(), d.id())) {
                    continue;
                }
                views.add(new DeviceView(
                        d.id(),
                        d.householdId(),
                        d.name(),
                        // On a cluster node, a doorbell linked to another node is online too.
                        connections.isOnlineAnywhere(d.id()),
                        d.claimedAt().toString(),
                        d.lastSeenAt() == null ? null : d.lastSeenAt().toString(),
                        d.resetPendingUntil() == null
                                ? null
                                : d.resetPendingUntil().toString(),
                        d.resetVetoRequestedAt() != null,
                        pki.hubCaFingerprint(),
                        ports.deviceLinkUrl().toString(),
                        d.coolingOffSeconds()));
            }
        }
        return views;
    }
}
