package dev.doorward.hub.notify;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a notice reads in the open app's stream ({@code /api/stream}): the one place its JSON is written, and what
 * {@code web/…/app/main.js} matches on by {@code type}.
 */
public final class NoticeJson {
    private NoticeJson() {}

    public static Map<String, Object> of(Notice notice) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (notice) {
            case Notice.Ring ring -> {
                m.put("type", "ring");
                m.put("deviceId", ring.device());
                m.put("deviceName", ring.deviceName());
                m.put("eventId", ring.eventId());
                m.put("occurredAt", ring.occurredAt().toString());
            }
            case Notice.Motion motion -> {
                m.put("type", "motion");
                m.put("deviceId", motion.device());
                m.put("deviceName", motion.deviceName());
                m.put("eventId", motion.eventId());
                m.put("occurredAt", motion.occurredAt().toString());
            }
            case Notice.SecurityAlert alert -> {
                m.put("type", "security-alert");
                m.put("alert", wireName(alert.kind()));
                putIfPresent(m, "deviceId", alert.device());
                putIfPresent(m, "eventId", alert.eventId());
                putIfPresent(m, "fingerprint", alert.fingerprint());
                m.put("message", alert.message());
                m.put("at", alert.at().toString());
            }
            case Notice.DeviceOnline online -> {
                m.put("type", "device-online");
                m.put("deviceId", online.device());
            }
            case Notice.DeviceOffline offline -> {
                m.put("type", "device-offline");
                m.put("deviceId", offline.device());
            }
            case Notice.DeviceChanged changed -> {
                m.put("type", "device-changed");
                m.put("deviceId", changed.device());
            }
            case Notice.EventMediaStored media -> {
                m.put("type", "event-media");
                m.put("deviceId", media.device());
                m.put("eventId", media.eventId());
                m.put("kind", media.kind());
            }
            case Notice.RosterChanged roster -> {
                m.put("type", "roster");
                m.put("epoch", roster.epoch());
            }
            case Notice.ClaimProgress claim -> {
                m.put("type", "claim");
                m.put("handle", claim.handle());
                m.put("state", claim.state());
                putIfPresent(m, "deviceId", claim.device());
                putIfPresent(m, "reason", claim.reason());
            }
            case Notice.HouseholdChanged changed -> {
                m.put("type", "household-changed");
                m.put("what", changed.what());
            }
            case Notice.HubHealth health -> {
                m.put("type", "hub-health");
                m.put("database", health.databaseUp() ? "up" : "down");
            }
        }
        return m;
    }

    /** An alert kind as the browser and the push payload name it: {@code CLAIM_REFUSED} → {@code claim-refused}. */
    public static String wireName(Notice.Alert kind) {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    private static void putIfPresent(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
