package dev.doorward.hub.event;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.claim.ClaimService;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.history.EventMediaStore;
import dev.doorward.hub.push.PushMessage;
import dev.doorward.hub.push.WebPush;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.stream.MemberStreams;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
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
    private final MemberStreams streams;
    private final AuditLog audit;
    private final ClaimService claims;
    private final Devices devices;
    private final Clock clock;
    private final EventMediaStore media;
    private final MemberAccess access;
    private final WebPush webPush;
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
            MemberStreams streams,
            AuditLog audit,
            ClaimService claims,
            Devices devices,
            EventMediaStore media,
            MemberAccess access,
            WebPush webPush,
            Clock clock) {
        this.access = access;
        this.webPush = webPush;
        this.media = media;
        this.devices = devices;
        this.events = events;
        this.streams = streams;
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
        switch (event.kind()) {
            case RING, MOTION -> pushIfFresh(device, event, occurredAt);
            case CLAIM_REFUSED -> detail = onClaimRefused(device, event);
            case PAIRING_MODE -> {
                audit.record(
                        device.householdId(),
                        "device:" + device.id(),
                        "pairing-mode",
                        "Someone held the button of '" + device.name() + "' to enter pairing mode");
                alert(device, event.eventId(), "'" + device.name() + "' was put in pairing mode at the door.");
                pushAlert(device, event, PushMessage.Alert.PAIRING_MODE);
            }
            case TAMPER -> {
                audit.record(device.householdId(), "device:" + device.id(), "tamper", "Tamper alarm");
                alert(device, event.eventId(), "Tamper alarm on '" + device.name() + "'.");
                pushAlert(device, event, PushMessage.Alert.TAMPER);
            }
            case RESET_PENDING -> onResetPending(device, event);
            case RESET_CANCELLED -> {
                devices.resetCancelled(device.id());
                audit.record(
                        device.householdId(),
                        "device:" + device.id(),
                        "reset-cancelled",
                        "The reset of '" + device.name() + "' was vetoed; it stays yours");
                alert(device, event.eventId(), "The reset of '" + device.name() + "' is cancelled. It stays yours.");
                streams.toHousehold(device.householdId(), Map.of("type", "device-changed", "deviceId", device.id()));
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
                        event.eventId(),
                        "'" + device.name() + "' is released. It is no longer yours and can be added again.");
                media.deleteDeviceMedia(device.id());
                devices.delete(device.id());
                streams.toHousehold(device.householdId(), Map.of("type", "device-changed", "deviceId", device.id()));
                return;
            }
            case RESET_COMPLETED -> {
                // The doorbell is wiping itself: it is nobody's any more. Its row, events and history go.
                audit.record(
                        device.householdId(),
                        "device:" + device.id(),
                        "device-released",
                        "'" + device.name() + "' was reset at the door; the cooling-off period ended without a veto");
                alert(device, event.eventId(), "'" + device.name() + "' was reset at the door and is no longer yours.");
                media.deleteDeviceMedia(device.id());
                devices.delete(device.id());
                streams.toHousehold(device.householdId(), Map.of("type", "device-changed", "deviceId", device.id()));
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
        Instant until = parseUntil(event.detail());
        if (until == null) {
            throw new IllegalArgumentException("reset-pending without a valid deadline");
        }
        devices.resetPending(device.id(), until);
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "reset-pending",
                "Someone started a reset of '" + device.name() + "' at the door; it will be released at " + until
                        + " unless an owner or admin vetoes");
        alert(
                device,
                event.eventId(),
                "Someone is resetting '" + device.name() + "' at the door. Veto it before " + until + " to keep it.");
        pushAlert(device, event, PushMessage.Alert.RESET_PENDING);
        streams.toHousehold(device.householdId(), Map.of("type", "device-changed", "deviceId", device.id()));
    }

    private void onSettingChanged(Device device, DeviceEvent event) {
        String detail = event.detail() == null ? "" : event.detail();
        if (detail.startsWith("cooling-off=")) {
            long seconds = Long.parseLong(detail.substring("cooling-off=".length()));
            devices.coolingOffConfirmed(device.id(), seconds);
            audit.record(
                    device.householdId(),
                    "device:" + device.id(),
                    "setting-changed",
                    "'" + device.name() + "' now waits "
                            + Duration.ofSeconds(seconds).toHours() + " h after a reset at the door before it lets go");
            streams.toHousehold(device.householdId(), Map.of("type", "device-changed", "deviceId", device.id()));
        }
    }

    static Instant parseUntil(String detail) {
        if (detail == null || !detail.startsWith("until=")) {
            return null;
        }
        try {
            return Instant.ofEpochMilli(Long.parseLong(detail.substring("until=".length())));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void pushIfFresh(Device device, DeviceEvent event, Instant occurredAt) {
        if (occurredAt.isBefore(clock.instant().minus(ALERT_WINDOW))) {
            return;
        }
        if (!recentlyPushed.add(device.id() + '/' + event.eventId())) {
            return;
        }
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("type", event.kind() == EventKind.RING ? "ring" : "motion");
        message.put("deviceId", device.id());
        message.put("deviceName", device.name());
        message.put("eventId", event.eventId());
        message.put("occurredAt", occurredAt.toString());
        if (access.anyRestriction(device.householdId())) {
            streams.toHouseholdWhere(
                    device.householdId(),
                    account -> access.allows(account, device.householdId(), device.id()),
                    message);
        } else {
            streams.toHousehold(device.householdId(), message);
        }
        // After the open app's ring: Web Push only hands the work to its own threads.
        webPush.toHousehold(
                device.householdId(),
                event.kind() == EventKind.RING
                        ? PushMessage.ring(device.householdId(), device.id(), event.eventId(), event.occurredAt())
                        : PushMessage.motion(device.householdId(), device.id(), event.eventId(), event.occurredAt()));
    }

    private void pushAlert(Device device, DeviceEvent event, PushMessage.Alert alert) {
        webPush.toHousehold(
                device.householdId(),
                PushMessage.alert(alert, device.householdId(), device.id(), event.eventId(), clock.millis()));
    }

    /** The device refused a claim code; the ticket (if from this hub) is voided and never stored. */
    private String onClaimRefused(Device device, DeviceEvent event) {
        String detail = event.detail() == null ? "" : event.detail();
        if (detail.startsWith("ticket:")) {
            claims.onOwnedDeviceSawTicket(device, detail.substring("ticket:".length()));
            return "claim code from this hub refused";
        }
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "claim-refused",
                "'" + device.name() + "' was shown a claim code for another hub and refused it");
        alert(
                device,
                event.eventId(),
                "Someone showed '" + device.name() + "' a claim code for another hub. It was refused.");
        pushAlert(device, event, PushMessage.Alert.CLAIM_REFUSED);
        return "claim code from another hub refused";
    }

    private void alert(Device device, String eventId, String message) {
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("type", "security-alert");
        alert.put("deviceId", device.id());
        // The event's snapshot follows as an "event-media" message once the doorbell's upload is stored.
        alert.put("eventId", eventId);
        alert.put("message", message);
        alert.put("at", clock.instant().toString());
        streams.toHousehold(device.householdId(), alert);
    }
}
