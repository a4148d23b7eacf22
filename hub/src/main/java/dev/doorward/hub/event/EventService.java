package dev.doorward.hub.event;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.claim.ClaimService;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.history.EventMediaStore;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notice.Alert;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.protocol.EventDetail;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.MotionSetting;
import dev.doorward.protocol.ProtocolException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Service;

/**
 * What the hub does with an event from a device. A ring is pushed to the household's open sessions first —
 * nothing on the way from button to screen waits for the database — and then stored; the device gets its
 * acknowledgement only after the event is durable.
 */
@Service
public class EventService {
    /** An event older than this is history, not someone at the door right now (e.g. from the outbox). */
    static final Duration ALERT_WINDOW = Duration.ofMinutes(2);

    private static final int RECENT_EVENTS = 20_000;

    private final Events events;
    private final Notifier notifier;
    private final AuditLog audit;
    private final ClaimService claims;
    private final Devices devices;
    private final Clock clock;
    private final EventMediaStore media;
    /** Events already pushed, so a redelivery does not ring twice. */
    private final Set<String> recentlyPushed =
            Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > RECENT_EVENTS;
                }
            }));

    EventService(
            Events events,
            Notifier notifier,
            AuditLog audit,
            ClaimService claims,
            Devices devices,
            EventMediaStore media,
            Clock clock) {
        this.media = media;
        this.devices = devices;
        this.events = events;
        this.notifier = notifier;
        this.audit = audit;
        this.claims = claims;
        this.clock = clock;
    }

    /**
     * Handles one event from an owned device. Returns normally once the event is stored, so the caller may
     * acknowledge it; throws if it could not be stored (the device keeps it and sends it again).
     */
    public void onEvent(Device device, DeviceEvent event) {
        Instant occurredAt = Instant.ofEpochMilli(event.occurredAt());
        String detail = null;
        if (event.kind() != EventKind.RING
                && event.kind() != EventKind.MOTION
                && events.exists(device.id(), event.eventId())) {
            // A redelivery (the doorbell missed our ack): recorded once, audited and alerted once.
            return;
        }
        switch (event.kind()) {
            case RING, MOTION -> pushIfFresh(device, event, occurredAt);
            case CLAIM_REFUSED -> detail = onClaimRefused(device, event);
            case PAIRING_MODE -> {
                audit.record(
                        device.householdId(),
                        "device:" + device.id(),
                        "pairing-mode",
                        "Someone held the button of '" + device.name() + "' to enter pairing mode");
                alert(
                        device,
                        Alert.PAIRING_MODE,
                        event.eventId(),
                        "'" + device.name() + "' was put in pairing mode at the door.");
            }
            case TAMPER -> {
                audit.record(device.householdId(), "device:" + device.id(), "tamper", "Tamper alarm");
                alert(device, Alert.TAMPER, event.eventId(), "Tamper alarm on '" + device.name() + "'.");
            }
            case RESET_PENDING -> onResetPending(device, event);
            case RESET_CANCELLED -> {
                devices.resetCancelled(device.id());
                audit.record(
                        device.householdId(),
                        "device:" + device.id(),
                        "reset-cancelled",
                        "The reset of '" + device.name() + "' was vetoed; it stays yours");
                alert(
                        device,
                        Alert.RESET_CANCELLED,
                        event.eventId(),
                        "The reset of '" + device.name() + "' is cancelled. It stays yours.");
                notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
            }
            case SETTING_CHANGED -> onSettingChanged(device, event);
            case RELEASED -> {
                audit.record(
                        device.householdId(),
                        "device:" + device.id(),
                        "device-released",
                        "'" + device.name() + "' was released by its owner and has wiped itself");
                alert(
                        device,
                        Alert.DEVICE_RELEASED,
                        event.eventId(),
                        "'" + device.name() + "' is released. It is no longer yours and can be added again.");
                media.deleteDeviceMedia(device.id());
                devices.delete(device.id());
                notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
                return;
            }
            case RESET_COMPLETED -> {
                // The doorbell is wiping itself: it is nobody's any more. Its row, events and history go.
                audit.record(
                        device.householdId(),
                        "device:" + device.id(),
                        "device-released",
                        "'" + device.name() + "' was reset at the door; the cooling-off period ended without a veto");
                alert(
                        device,
                        Alert.DEVICE_RELEASED,
                        event.eventId(),
                        "'" + device.name() + "' was reset at the door and is no longer yours.");
                media.deleteDeviceMedia(device.id());
                devices.delete(device.id());
                notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
                return;
            }
            case DOOR_OPENED ->
                audit.record(
                        device.householdId(),
                        "device:" + device.id(),
                        "door-opened",
                        "The door was opened at '" + device.name() + "'");
        }
        events.insert(
                device.id(), event.eventId(), device.householdId(), event.kind().wireName(), occurredAt, detail);
    }

    private void onResetPending(Device device, DeviceEvent event) {
        Instant until = Instant.ofEpochMilli(detail(() -> EventDetail.resetUntil(event.detail())));
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
                event.eventId(),
                "Someone is resetting '" + device.name() + "' at the door. Veto it before " + until + " to keep it.");
        notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
    }

    private void onSettingChanged(Device device, DeviceEvent event) {
        if (event.detail() != null && event.detail().startsWith(EventDetail.MOTION)) {
            MotionSetting setting = detail(() -> EventDetail.motionSetting(event.detail()));
            devices.motionConfirmed(device.id(), setting.format());
            audit.record(
                    device.householdId(),
                    "device:" + device.id(),
                    "setting-changed",
                    "'" + device.name() + "' applied its motion setting: " + describe(setting));
            notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
            return;
        }
        long seconds = detail(() -> EventDetail.coolingOffSeconds(event.detail()));
        devices.coolingOffConfirmed(device.id(), seconds);
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "setting-changed",
                "'" + device.name() + "' now waits "
                        + Duration.ofSeconds(seconds).toHours() + " h after a reset at the door before it lets go");
        notifier.toHousehold(device.householdId(), new Notice.DeviceChanged(device.id()));
    }

    private static String describe(MotionSetting setting) {
        if (!setting.enabled()) {
            return "motion detection off";
        }
        int zones = setting.zones().size();
        return zones == 0
                ? "motion detection on, whole picture"
                : "motion detection on, " + zones + " zone" + (zones == 1 ? "" : "s");
    }

    /** An event the hub refuses whatever it does: the doorbell drops it instead of sending it again. */
    public static final class Unacceptable extends RuntimeException {
        Unacceptable(String message) {
            super(message, null, false, false);
        }
    }

    private interface DetailReader<T> {
        T read() throws ProtocolException;
    }

    /** The codec already checked the detail; this keeps a caller that skipped it from failing as "internal". */
    private static <T> T detail(DetailReader<T> reader) {
        try {
            return reader.read();
        } catch (ProtocolException e) {
            throw new Unacceptable(e.getMessage());
        }
    }

    private void pushIfFresh(Device device, DeviceEvent event, Instant occurredAt) {
        if (occurredAt.isBefore(clock.instant().minus(ALERT_WINDOW))) {
            return;
        }
        if (!recentlyPushed.add(device.id() + '/' + event.eventId())) {
            return;
        }
        Notice notice = event.kind() == EventKind.RING
                ? new Notice.Ring(device.id(), device.name(), event.eventId(), occurredAt)
                : new Notice.Motion(device.id(), device.name(), event.eventId(), occurredAt);
        notifier.toHousehold(device.householdId(), notice);
    }

    /** The device refused a claim code; the ticket (if from this hub) is voided and never stored. */
    private String onClaimRefused(Device device, DeviceEvent event) {
        String ticket = detail(() -> EventDetail.claimRefusedTicket(event.detail()));
        if (ticket != null) {
            claims.onOwnedDeviceSawTicket(device, ticket);
            return "claim code from this hub refused";
        }
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "claim-refused",
                "'" + device.name() + "' was shown a claim code for another hub and refused it");
        alert(
                device,
                Alert.CLAIM_REFUSED,
                event.eventId(),
                "Someone showed '" + device.name() + "' a claim code for another hub. It was refused.");
        return "claim code from another hub refused";
    }

    private void alert(Device device, Alert kind, String eventId, String message) {
        // The event's snapshot follows as an EventMediaStored notice once the doorbell's upload is stored.
        notifier.toHousehold(
                device.householdId(),
                new Notice.SecurityAlert(kind, device.id(), eventId, message, clock.instant(), null));
    }
}
