package dev.doorward.hub.ownership;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.eventmedia.EventMediaStore;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notice.Alert;
import dev.doorward.hub.notify.Notifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.stereotype.Component;

/**
 * The ownership lifecycle as the doorbell reports it: a reset started at the door, vetoed or completed, a release
 * done, the cooling-off period changed. A doorbell that is released or reset is nobody's any more: its row, events
 * and media go. (The owner's side — releasing, vetoing, the setting — is {@link OwnershipController}.)
 */
@Component
public class OwnershipEvents {
    private final Devices devices;
    private final AuditLog audit;
    private final Notifier notifier;
    private final EventMediaStore media;
    private final Clock clock;

    OwnershipEvents(Devices devices, AuditLog audit, Notifier notifier, EventMediaStore media, Clock clock) {
        this.devices = devices;
        this.audit = audit;
        this.notifier = notifier;
        this.media = media;
        this.clock = clock;
    }

    public void resetPending(Device device, String eventId, Instant until) {
        devices.resetPending(device.id(), until);
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "reset-pending",
                "Someone started a reset of '" + device.name() + "' at the door; it will be released at " + until
                        + " unless an owner or admin vetoes");
        alert(
                device,
                Alert.RESET_PENDING,
                eventId,
                "Someone is resetting '" + device.name() + "' at the door. Veto it before " + until + " to keep it.");
        notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
    }

    public void resetCancelled(Device device, String eventId) {
        devices.resetCancelled(device.id());
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "reset-cancelled",
                "The reset of '" + device.name() + "' was vetoed; it stays yours");
        alert(
                device,
                Alert.RESET_CANCELLED,
                eventId,
                "The reset of '" + device.name() + "' is cancelled. It stays yours.");
        notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
    }

    public void coolingOffConfirmed(Device device, long seconds) {
        devices.coolingOffConfirmed(device.id(), seconds);
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "setting-changed",
                "'" + device.name() + "' now waits "
                        + Duration.ofSeconds(seconds).toHours() + " h after a reset at the door before it lets go");
        notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
    }

    /** Released by its owner: the doorbell has wiped itself. */
    public void released(Device device, String eventId) {
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "device-released",
                "'" + device.name() + "' was released by its owner and has wiped itself");
        alert(
                device,
                Alert.DEVICE_RELEASED,
                eventId,
                "'" + device.name() + "' is released. It is no longer yours and can be added again.");
        forget(device);
    }

    /** Reset at the door: the cooling-off period ended without a veto and the doorbell is wiping itself. */
    public void resetCompleted(Device device, String eventId) {
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "device-released",
                "'" + device.name() + "' was reset at the door; the cooling-off period ended without a veto");
        alert(
                device,
                Alert.DEVICE_RELEASED,
                eventId,
                "'" + device.name() + "' was reset at the door and is no longer yours.");
        forget(device);
    }

    /** It is nobody's any more: its row, events and history go. */
    private void forget(Device device) {
        media.deleteDeviceMedia(device.id());
        devices.delete(device.id());
        notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
    }

    private void alert(Device device, Alert kind, String eventId, String message) {
        notifier.toHousehold(
                device.householdId(),
                new Notice.SecurityAlert(kind, device.id(), eventId, message, clock.instant(), null));
    }
}
