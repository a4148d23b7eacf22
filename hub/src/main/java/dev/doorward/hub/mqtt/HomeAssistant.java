package dev.doorward.hub.mqtt;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Home Assistant sees of a household: its MQTT topics and the discovery configs that make each doorbell a
 * device with three {@code event} entities (docs/integrations.md). Ring is the doorbell event Home Assistant
 * expects ({@code device_class: doorbell}, event type {@code ring}); motion and tamper are events too, because they
 * are moments, not states a binary sensor would have to switch off again. Topics carry only random ids: the
 * integration's {@code topicId} and each doorbell's {@code topicKey}. The one name is the doorbell's own, as its
 * owner chose it.
 */
final class HomeAssistant {
    /** Home Assistant's default discovery prefix, and where it says it (re)started. */
    static final String DISCOVERY_PREFIX = "homeassistant";

    static final String STATUS_TOPIC = DISCOVERY_PREFIX + "/status";
    static final String ONLINE = "online";
    static final String OFFLINE = "offline";

    /** The doorbell's events: entity key, event type, Home Assistant device class (null for none). */
    enum Kind {
        RING("ring", "Ring", "doorbell"),
        MOTION("motion", "Motion", "motion"),
        TAMPER("tamper", "Tamper", null);

        final String eventType;
        final String entityName;
        final String deviceClass;

        Kind(String eventType, String entityName, String deviceClass) {
            this.eventType = eventType;
            this.entityName = entityName;
            this.deviceClass = deviceClass;
        }
    }

    private HomeAssistant() {}

    /** The hub's own availability: "online" while connected, "offline" as its last will. */
    static String hubStatusTopic(String topicId) {
        return "doorward/" + topicId + "/status";
    }

    /** A doorbell's link: "online" or "offline". */
    static String availabilityTopic(String topicId, String topicKey) {
        return "doorward/" + topicId + "/" + topicKey + "/availability";
    }

    static String eventTopic(String topicId, String topicKey, Kind kind) {
        return "doorward/" + topicId + "/" + topicKey + "/" + kind.eventType;
    }

    static String configTopic(String topicKey, Kind kind) {
        return DISCOVERY_PREFIX + "/event/doorward_" + topicKey + "/" + kind.eventType + "/config";
    }

    /** The payload of one event: exactly what Home Assistant's MQTT event entity reads, nothing more. */
    static Map<String, Object> event(Kind kind) {
        return Map.of("event_type", kind.eventType);
    }

    /** The retained discovery config of one of a doorbell's entities. */
    static Map<String, Object> config(String topicId, String topicKey, String doorbellName, Kind kind) {
        Map<String, Object> device = new LinkedHashMap<>();
        device.put("identifiers", List.of("doorward_" + topicKey));
        device.put("name", doorbellName);
        device.put("manufacturer", "Doorward");
        device.put("model", "Doorbell");

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", kind.entityName);
        config.put("unique_id", "doorward_" + topicKey + "_" + kind.eventType);
        if (kind.deviceClass != null) {
            config.put("device_class", kind.deviceClass);
        }
        config.put("event_types", List.of(kind.eventType));
        config.put("state_topic", eventTopic(topicId, topicKey, kind));
        config.put("qos", 1);
        config.put(
                "availability",
                List.of(
                        Map.of("topic", hubStatusTopic(topicId)),
                        Map.of("topic", availabilityTopic(topicId, topicKey))));
        config.put("availability_mode", "all");
        config.put("device", device);
        config.put("origin", Map.of("name", "Doorward"));
        return config;
    }
}
