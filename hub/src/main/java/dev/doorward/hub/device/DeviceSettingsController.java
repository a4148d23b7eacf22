package dev.doorward.hub.device;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import java.util.HashMap;
import java.util.Map;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A doorbell's settings screen (owners and admins): its name, how long its history is kept, and what the
 * doorbell confirmed of the owner's signed settings (motion, reset protection). Signed settings themselves go
 * through the ownership routes: the hub carries them and cannot make them.
 */
@RestController
class DeviceSettingsController {
    static final int MAX_NAME = 64;

    private final Devices devices;
    private final Households households;
    private final AuditLog audit;
    private final Notifier notifier;

    DeviceSettingsController(Devices devices, Households households, AuditLog audit, Notifier notifier) {
        this.devices = devices;
        this.households = households;
        this.audit = audit;
        this.notifier = notifier;
    }

    /** The device, if the account is an owner or admin of its household; otherwise the same 404 as unknown. */
    private Devices.Device administered(SignedInAccount account, String id) {
        Devices.Device device = devices.byId(id).orElseThrow(NotFound::new);
        Role role = households.roleOf(account.id(), device.householdId()).orElseThrow(NotFound::new);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        return device;
    }

    record SettingsView(
            String id,
            String name,
            String motion,
            Integer retentionDays,
            int householdRetentionDays,
            Long coolingOffSeconds) {}

    @GetMapping("/api/devices/{id}/settings")
    SettingsView settings(@AuthenticationPrincipal SignedInAccount account, @PathVariable String id) {
        Devices.Device device = administered(account, id);
        Devices.Settings settings = devices.settingsOf(id).orElseThrow(NotFound::new);
        int householdDays = households.membershipsOf(account.id()).stream()
                .filter(m -> m.householdId().equals(device.householdId()))
                .findFirst()
                .map(Households.Membership::retentionDays)
                .orElseThrow(NotFound::new);
        return new SettingsView(
                device.id(),
                device.name(),
                settings.motionSetting(),
                settings.retentionDays(),
                householdDays,
                device.coolingOffSeconds());
    }

    record Rename(String name) {}

    @PutMapping("/api/devices/{id}/name")
    Map<String, String> rename(
            @AuthenticationPrincipal SignedInAccount account, @PathVariable String id, @RequestBody Rename request) {
        Devices.Device device = administered(account, id);
        String name = request.name() == null ? "" : request.name().strip();
        if (name.isEmpty() || name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidInput("A doorbell name has 1 to " + MAX_NAME + " characters");
        }
        devices.rename(id, name);
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "device-renamed",
                account.getUsername() + " renamed '" + device.name() + "' to '" + name + "'");
        notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(id));
        return Map.of("name", name);
    }

    /** {@code days}: 1–365, or null to follow the household's retention. */
    record Retention(Integer days) {}

    @PutMapping("/api/devices/{id}/retention")
    Map<String, Object> retention(
            @AuthenticationPrincipal SignedInAccount account, @PathVariable String id, @RequestBody Retention request) {
        Devices.Device device = administered(account, id);
        if (request.days() != null && (request.days() < 1 || request.days() > 365)) {
            throw new InvalidInput("Keep this doorbell's events for 1 to 365 days, or as the household does");
        }
        devices.setRetentionDays(id, request.days());
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "retention-changed",
                account.getUsername() + " set the history of '" + device.name() + "' to be kept for "
                        + (request.days() == null ? "as long as the household's" : request.days() + " days"));
        notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(id));
        Map<String, Object> body = new HashMap<>(); // Map.of() refuses the null that means "as the household"
        body.put("days", request.days());
        return body;
    }
}
