package dev.doorward.hub.event;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.claim.ClaimService;
import dev.doorward.hub.device.Devices.Device;
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
    private final Clock clock;
    /** Events already pushed, so a redelivery does not ring twice. */
    private final Set<String> recentlyPushed =
            Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > RECENT_EVENTS;
                }
            }));

    EventService(Events events, MemberStreams streams, AuditLog audit, ClaimService claims, Clock clock) {
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
                alert(device, "'" + device.name() + "' was put in pairing mode at the door.");
            }
            case TAMPER -> {
                audit.record(device.householdId(), "device:" + device.id(), "tamper", "Tamper alarm");
                alert(device, "Tamper alarm on '" + device.name() + "'.");
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
        streams.toHousehold(device.householdId(), message);
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
        alert(device, "Someone showed '" + device.name() + "' a claim code for another hub. It was refused.");
        return "claim code from another hub refused";
    }

    private void alert(Device device, String message) {
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("type", "security-alert");
        alert.put("deviceId", device.id());
        alert.put("message", message);
        alert.put("at", clock.instant().toString());
        streams.toHousehold(device.householdId(), alert);
    }
}
