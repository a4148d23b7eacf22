package dev.doorward.hub.ring;

import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The ring (and motion): someone at the door now is announced to the household at once — before the event is
 * stored, nothing on the way from button to screen waits for the database — and once, however often the doorbell
 * delivers it. The device link hands a doorbell's events to {@code event.EventService}, which calls this first; a
 * ring with nothing of its link queued before it is told on the network thread that read it, when that needs no
 * more than memory (the usual case), and the event's turn then only stores it.
 */
@Component
public class Rings {
    /** An event older than this is history, not someone at the door right now (e.g. from the outbox). */
    private static final Duration ALERT_WINDOW = Duration.ofMinutes(2);

    private static final int RECENT_EVENTS = 20_000;

    private final Notifier notifier;
    private final Clock clock;
    /** Events already pushed, so a redelivery does not ring twice. */
    private final Set<String> recentlyPushed =
            Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > RECENT_EVENTS;
                }
            }));

    Rings(Notifier notifier, Clock clock) {
        this.notifier = notifier;
        this.clock = clock;
    }

    /** A ring or motion event: tells the household if it is fresh and not told already. */
    public void pushIfFresh(Device device, DeviceEvent event, Instant occurredAt) {
        announce(device, event, occurredAt, false);
    }

    /**
     * The same on the network thread that read the ring, if telling needs nothing but memory and no channel would
     * wait ({@link Notifier#toHouseholdAtOnce}); if it would, nothing is told here, and {@link #pushIfFresh} tells it
     * when the event's turn comes.
     */
    public void pushIfFreshAtOnce(Device device, DeviceEvent event, Instant occurredAt) {
        announce(device, event, occurredAt, true);
    }

    private void announce(Device device, DeviceEvent event, Instant occurredAt, boolean atOnce) {
        if (occurredAt.isBefore(clock.instant().minus(ALERT_WINDOW))) {
            return;
        }
        String key = device.id() + '/' + event.eventId();
        if (!recentlyPushed.add(key)) {
            return;
        }
        Notice notice = event.kind() == EventKind.RING
                ? new Notice.Ring(device.id(), device.name(), event.eventId(), occurredAt)
                : new Notice.Motion(device.id(), device.name(), event.eventId(), occurredAt);
        boolean told = false;
        try {
            if (!atOnce) {
                notifier.toHousehold(device.householdId(), notice);
                told = true;
            } else {
                told = notifier.toHouseholdAtOnce(device.householdId(), notice);
            }
        } finally {
            if (!told) {
                recentlyPushed.remove(key); // not told (declined, or failed): the event's turn or a redelivery tells it
            }
        }
    }

    /**
     * A ring or motion another node of a cluster announced (its notice came over NATS). Remembered as announced, so
     * that if the doorbell's link moves here (that node died before acknowledging it) and the doorbell sends it
     * again from its outbox, the household is not told twice.
     */
    public void announcedElsewhere(String deviceId, String eventId) {
        recentlyPushed.add(deviceId + '/' + eventId);
    }
}
