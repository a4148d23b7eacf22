package dev.doorward.hub.push;

import dev.doorward.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one push says, before encryption: ids and a kind only, never a name, serial, message or picture (the
 * service worker fetches those from the hub with the member's own session and keys). The JSON is written here
 * and nowhere else; ids are the hub's random base64url ids.
 *
 * @param deviceId the doorbell, or null (a browser waiting for approval)
 * @param eventId the doorbell's event, or null
 * @param alert which security alert, for {@link Kind#ALERT} only
 * @param at when it happened, epoch millis
 */
public record PushMessage(Kind kind, String householdId, String deviceId, String eventId, Alert alert, long at) {
    /** Compiled once: {@code String.matches} compiles its pattern on every call, and this runs for every ring. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]+");

    public enum Kind {
        /** Someone pressed the button. */
        RING("ring", Urgency.HIGH, Duration.ofSeconds(60)),
        /** The doorbell saw movement; only for members who asked for it. */
        MOTION("motion", Urgency.NORMAL, Duration.ofMinutes(5)),
        /** A security alert about a doorbell. */
        ALERT("alert", Urgency.HIGH, Duration.ofDays(1)),
        /** A new browser waits for an admin's approval; for owner and admins only. */
        BROWSER_WAITING("browser-waiting", Urgency.NORMAL, Duration.ofDays(1));

        final String wire;
        final Urgency urgency;
        final Duration ttl;

        Kind(String wire, Urgency urgency, Duration ttl) {
            this.wire = wire;
            this.urgency = urgency;
            this.ttl = ttl;
        }
    }

    public enum Alert {
        CLAIM_REFUSED("claim-refused"),
        RESET_PENDING("reset-pending"),
        TAMPER("tamper"),
        PAIRING_MODE("pairing-mode");

        final String wire;

        Alert(String wire) {
            this.wire = wire;
        }
    }

    /** RFC 8030 §5.3. */
    enum Urgency {
        HIGH("high"),
        NORMAL("normal");

        final String wire;

        Urgency(String wire) {
            this.wire = wire;
        }
    }

    public PushMessage {
        Objects.requireNonNull(kind, "kind");
        requireId(householdId, "householdId");
        if (deviceId != null) {
            requireId(deviceId, "deviceId");
        }
        if (eventId != null) {
            requireId(eventId, "eventId");
        }
        if ((kind == Kind.ALERT) != (alert != null)) {
            throw new IllegalArgumentException("an alert push names its alert, and only an alert push does");
        }
        if (kind != Kind.BROWSER_WAITING && deviceId == null) {
            throw new IllegalArgumentException(kind.wire + " is about a doorbell");
        }
    }

    public static PushMessage ring(String householdId, String deviceId, String eventId, long at) {
        return new PushMessage(Kind.RING, householdId, deviceId, eventId, null, at);
    }

    public static PushMessage motion(String householdId, String deviceId, String eventId, long at) {
        return new PushMessage(Kind.MOTION, householdId, deviceId, eventId, null, at);
    }

    public static PushMessage alert(Alert alert, String householdId, String deviceId, String eventId, long at) {
        return new PushMessage(Kind.ALERT, householdId, deviceId, eventId, alert, at);
    }

    public static PushMessage browserWaiting(String householdId, long at) {
        return new PushMessage(Kind.BROWSER_WAITING, householdId, null, null, null, at);
    }

    /** The plaintext the service worker reads (contract: docs/notifications.md). */
    byte[] json() {
        StringBuilder out = new StringBuilder(200)
                .append("{\"v\":1,\"kind\":\"")
                .append(kind.wire)
                .append("\",\"householdId\":\"")
                .append(householdId)
                .append('"');
        if (deviceId != null) {
            out.append(",\"deviceId\":\"").append(deviceId).append('"');
        }
        if (eventId != null) {
            out.append(",\"eventId\":\"").append(eventId).append('"');
        }
        if (alert != null) {
            out.append(",\"alert\":\"").append(alert.wire).append('"');
        }
        return out.append(",\"at\":").append(at).append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Rings of one doorbell collapse at the push service (RFC 8030 §5.4): a Topic of 32 base64url characters,
     * stable per doorbell and not its id.
     */
    String topic() {
        if (kind != Kind.RING) {
            return null;
        }
        return Hashes.sha256Base64Url(("doorward-push-topic:" + deviceId).getBytes(StandardCharsets.UTF_8))
                .substring(0, 32);
    }

    private static void requireId(String id, String what) {
        if (id == null || id.isEmpty() || id.length() > 64 || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException(what + " is not an id");
        }
    }
}
