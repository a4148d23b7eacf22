package dev.doorward.hub.notify;

import java.time.Instant;
import java.util.Optional;

/**
 * Something the hub tells a household's members: a ring, an alert, a change they should see. One sealed type for
 * every channel (the open app's stream, Web Push, …); {@link NoticeJson} writes it for the open app, each other
 * channel decides what it carries. A notice that concerns one doorbell reaches only members whose access includes
 * that doorbell now ({@link Notifier}).
 */
public sealed interface Notice {

    /** The doorbell this notice is about, if it is about one. */
    default Optional<String> deviceId() {
        return Optional.empty();
    }

    /** Someone pressed the button of a doorbell. */
    record Ring(String device, String deviceName, String eventId, Instant occurredAt) implements Notice {
        @Override
        public Optional<String> deviceId() {
            return Optional.of(device);
        }
    }

    /** A doorbell saw movement. */
    record Motion(String device, String deviceName, String eventId, Instant occurredAt) implements Notice {
        @Override
        public Optional<String> deviceId() {
            return Optional.of(device);
        }
    }

    /**
     * Something that touches the household's security: a refused claim, a reset at the door, a new browser, a
     * member who joined or left. {@code device} and {@code eventId} are null when it concerns no doorbell or event;
     * {@code fingerprint} names the browser a {@link Alert#BROWSER_WAITING} is about (that browser is not alerted
     * about itself).
     */
    record SecurityAlert(Alert kind, String device, String eventId, String message, Instant at, String fingerprint)
            implements Notice {
        public static SecurityAlert about(Alert kind, String message, Instant at) {
            return new SecurityAlert(kind, null, null, message, at, null);
        }

        @Override
        public Optional<String> deviceId() {
            return Optional.ofNullable(device);
        }
    }

    /** A doorbell's link came up. */
    record DeviceOnline(String device) implements Notice {
        @Override
        public Optional<String> deviceId() {
            return Optional.of(device);
        }
    }

    /** A doorbell's link went down. */
    record DeviceOffline(String device) implements Notice {
        @Override
        public Optional<String> deviceId() {
            return Optional.of(device);
        }
    }

    /** A doorbell's settings or ownership changed (reset pending or vetoed, released, a new cooling-off time …). */
    record DeviceChanged(String device) implements Notice {
        @Override
        public Optional<String> deviceId() {
            return Optional.of(device);
        }
    }

    /** A doorbell's sealed picture or clip of an event is stored: browsers showing the event can open it now. */
    record EventMediaStored(String device, String eventId, String kind) implements Notice {
        @Override
        public Optional<String> deviceId() {
            return Optional.of(device);
        }
    }

    /** The household has a new signed roster. */
    record RosterChanged(long epoch) implements Notice {}

    /** How a claim the member started is going (to that member only). */
    record ClaimProgress(String handle, String state, String device, String reason) implements Notice {}

    /**
     * Who or what can reach the household changed without a security alert of its own (an invitation made or
     * revoked, a member removed, a session ended): the admins' open screens (members, safety check) read it again.
     */
    record HouseholdChanged(String what) implements Notice {}

    /** Whether the hub's database is reachable (the open app shows a banner while it is not). */
    record HubHealth(boolean databaseUp) implements Notice {}

    /**
     * Whether this cluster node reaches the others (the open app shows a banner while it does not: rings of doorbells
     * connected to other nodes do not reach it meanwhile). Never sent by a single hub.
     */
    record ClusterHealth(boolean messagingUp) implements Notice {}

    /** The kinds of security alert; the channels that do not carry every alert (push) choose by kind. */
    enum Alert {
        CLAIM_REFUSED,
        PAIRING_MODE,
        TAMPER,
        RESET_PENDING,
        RESET_CANCELLED,
        DEVICE_RELEASED,
        ROSTER_REFUSED,
        BROWSER_WAITING,
        MEMBER_JOINED,
        MEMBER_LEFT,
        ACCESS_REVOKED,
        HOUSEHOLD_DELETED,
        /** The member's own password changed, or was reset by a re-entry link or recovery code (to that member). */
        PASSWORD_CHANGED,
        /** An admin issued a re-entry link for the member (to that member's other browsers). */
        RECOVERY_LINK_ISSUED,
        /** A passkey was added to or removed from the member's account (to that member). */
        PASSKEY_CHANGED
    }
}
