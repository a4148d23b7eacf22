package dev.doorward.hub.event;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.claim.ClaimService;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.link.DeviceLink;
import dev.doorward.hub.link.DeviceLinkFeature;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notice.Alert;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.ownership.OwnershipEvents;
import dev.doorward.hub.ring.Rings;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.EventDetail;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.EventAck;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.MotionSetting;
import dev.doorward.protocol.ProtocolException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * What the hub does with an event from a device. A ring is handed to {@link Rings} first — nothing on the way from
 * button to screen waits for the database — and then stored; the ownership lifecycle (resets, releases) is
 * {@link OwnershipEvents}'; the device gets its acknowledgement only after the event is durable.
 */
@Service
public class EventService implements DeviceLinkFeature {
    private static final Logger log = LoggerFactory.getLogger(EventService.class);

    private final Events events;
    private final Devices devices;
    private final Notifier notifier;
    private final AuditLog audit;
    private final ClaimService claims;
    private final Rings rings;
    private final OwnershipEvents ownership;
    private final Clock clock;

    EventService(
            Events events,
            Devices devices,
            Notifier notifier,
            AuditLog audit,
            ClaimService claims,
            Rings rings,
            OwnershipEvents ownership,
            Clock clock) {
        this.events = events;
        this.devices = devices;
        this.notifier = notifier;
        this.audit = audit;
        this.claims = claims;
        this.rings = rings;
        this.ownership = ownership;
        this.clock = clock;
    }

    @Override
    public Set<Class<? extends LinkMessage.FromDevice>> handles() {
        return Set.of(DeviceEvent.class);
    }

    /** Someone at the door, as soon as the ring arrived: told now, before anything the link queued is done. */
    @Override
    public void arrived(DeviceLink link, LinkMessage.FromDevice message) {
        if (message instanceof DeviceEvent event && event.kind().isSomeoneAtTheDoor()) {
            rings.pushIfFresh(link.device(), event, Instant.ofEpochMilli(event.occurredAt()));
        }
    }

    /** The same, on the network thread that read it: told there if that needs nothing but memory, else in order. */
    @Override
    public void arrivedOnNetworkThread(DeviceLink link, LinkMessage.FromDevice message) {
        if (message instanceof DeviceEvent event && event.kind().isSomeoneAtTheDoor()) {
            rings.pushIfFreshAtOnce(link.device(), event, Instant.ofEpochMilli(event.occurredAt()));
        }
    }

    /** An event on a doorbell's link: acknowledged once stored, refused (to be sent again, or for good) if not. */
    @Override
    public void message(DeviceLink link, LinkMessage.FromDevice message) throws IOException {
        DeviceEvent event = (DeviceEvent) message;
        try {
            onEvent(link.device(), event);
        } catch (Unacceptable e) {
            // An event the hub cannot accept whatever it does: refused for good, never resent forever.
            link.refuse(LinkError.about(event.eventId(), ErrorCode.INVALID_FIELD, "event refused"));
            return;
        } catch (RuntimeException e) {
            // Not stored: the doorbell keeps it and sends it again after a back-off.
            log.error("Storing an event from {} failed: {}", link.subject(), e.toString());
            log.debug("Storing an event failed", e);
            link.refuse(LinkError.about(event.eventId(), ErrorCode.INTERNAL, "the hub could not store this event"));
            return;
        }
        link.send(new EventAck(event.eventId()));
    }

    /**
     * Handles one event from an owned device. Returns normally once the event is stored, so the caller may
     * acknowledge it; throws if it could not be stored (the device keeps it and sends it again).
     */
    public void onEvent(Device device, DeviceEvent event) {
        Instant occurredAt = Instant.ofEpochMilli(event.occurredAt());
        String detail = null;
        if (!event.kind().isSomeoneAtTheDoor() && events.exists(device.id(), event.eventId())) {
            // A redelivery (the doorbell missed our ack): recorded once, audited and alerted once.
            return;
        }
        switch (event.kind()) {
            case RING, MOTION -> rings.pushIfFresh(device, event, occurredAt);
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
            case RESET_PENDING ->
                ownership.resetPending(
                        device,
                        event.eventId(),
                        Instant.ofEpochMilli(detail(() -> EventDetail.resetUntil(event.detail()))));
            case RESET_CANCELLED -> ownership.resetCancelled(device, event.eventId());
            case SETTING_CHANGED -> {
                if (event.detail() != null && event.detail().startsWith(EventDetail.MOTION)) {
                    motionConfirmed(device, detail(() -> EventDetail.motionSetting(event.detail())));
                } else {
                    ownership.coolingOffConfirmed(device, detail(() -> EventDetail.coolingOffSeconds(event.detail())));
                }
            }
            case RELEASED -> {
                ownership.released(device, event.eventId());
                return;
            }
            case RESET_COMPLETED -> {
                ownership.resetCompleted(device, event.eventId());
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

    /** The doorbell applied its owner's signed motion setting (on/off, zones). */
    private void motionConfirmed(Device device, MotionSetting setting) {
        devices.motionConfirmed(device.id(), setting.format());
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "setting-changed",
                "'" + device.name() + "' applied its motion setting: " + describe(setting));
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
