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
            case Notice.ClusterHealth health -> {
                m.put("type", "hub-health");
                m.put("cluster", health.messagingUp() ? "up" : "down");
            }
        }
        return m;
    }

    /**
     * The notice {@link #of} wrote, read back (another cluster node sent it). Every field is checked: a map that is
     * not what {@link #of} writes is refused with {@link IllegalArgumentException}.
     */
    public static Notice read(Map<String, ?> m) {
        String type = text(m, "type");
        return switch (type) {
            case "ring" ->
                new Notice.Ring(
                        text(m, "deviceId"), text(m, "deviceName"), text(m, "eventId"), instant(m, "occurredAt"));
            case "motion" ->
                new Notice.Motion(
                        text(m, "deviceId"), text(m, "deviceName"), text(m, "eventId"), instant(m, "occurredAt"));
            case "security-alert" ->
                new Notice.SecurityAlert(
                        alert(text(m, "alert")),
                        optionalText(m, "deviceId"),
                        optionalText(m, "eventId"),
                        text(m, "message"),
                        instant(m, "at"),
                        optionalText(m, "fingerprint"));
            case "device-online" -> new Notice.DeviceOnline(text(m, "deviceId"));
            case "device-offline" -> new Notice.DeviceOffline(text(m, "deviceId"));
            case "device-changed" -> new Notice.DeviceChanged(text(m, "deviceId"));
            case "event-media" -> new Notice.EventMediaStored(text(m, "deviceId"), text(m, "eventId"), text(m, "kind"));
            case "roster" -> {
                if (!(m.get("epoch") instanceof Number epoch)) {
                    throw new IllegalArgumentException("a roster notice without its epoch");
                }
                yield new Notice.RosterChanged(epoch.longValue());
            }
            case "claim" ->
                new Notice.ClaimProgress(
                        text(m, "handle"), text(m, "state"), optionalText(m, "deviceId"), optionalText(m, "reason"));
            case "household-changed" -> new Notice.HouseholdChanged(text(m, "what"));
            case "hub-health" ->
                m.containsKey("cluster")
                        ? new Notice.ClusterHealth("up".equals(text(m, "cluster")))
                        : new Notice.HubHealth("up".equals(text(m, "database")));
            default -> throw new IllegalArgumentException("not a notice type: " + type);
        };
    }

    private static String text(Map<String, ?> m, String key) {
        if (m.get(key) instanceof String value) {
            return value;
        }
        throw new IllegalArgumentException("a notice without its " + key);
    }

    private static String optionalText(Map<String, ?> m, String key) {
        Object value = m.get(key);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new IllegalArgumentException("a notice whose " + key + " is not text");
    }

    private static java.time.Instant instant(Map<String, ?> m, String key) {
        try {
            return java.time.Instant.parse(text(m, key));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("a notice whose " + key + " is not a time");
        }
    }

    private static Notice.Alert alert(String wireName) {
        for (Notice.Alert kind : Notice.Alert.values()) {
            if (wireName(kind).equals(wireName)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("not an alert kind: " + wireName);
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
