package dev.doorward.protocol;

import java.util.Locale;

/** What happened at the door. Carried by {@link LinkMessage.DeviceEvent}. */
public enum EventKind {
    /** Someone pressed the doorbell button. */
    RING,
    /** The device's own motion detector saw movement. */
    MOTION,
    /** The enclosure was opened or the device was moved. */
    TAMPER,
    /** The door relay released the door. */
    DOOR_OPENED,
    /** Someone put the device into pairing mode with the button. */
    PAIRING_MODE,
    /** The device saw a claim code while owned and refused it. */
    CLAIM_REFUSED,
    /**
     * Someone started a physical reset at the door. The device stays owned until the cooling-off period ends
     * ({@code detail} = {@code "until=<epoch millis>"}); the owner can veto until then.
     */
    RESET_PENDING,
    /** The owner's veto reached the device: the reset is cancelled and the device stays owned. */
    RESET_CANCELLED,
    /** The cooling-off period ended without a veto: the device wipes itself and becomes factory-new. */
    RESET_COMPLETED,
    /** The owner released the device with a statement signed by their own browser key; it wipes itself. */
    RELEASED,
    /** The device applied an owner-signed setting ({@code detail} names it, e.g. {@code cooling-off=259200}). */
    SETTING_CHANGED,
    /** The camera stopped delivering video ({@code detail}: why, e.g. ffmpeg's last words); rings still work. */
    CAMERA_OFFLINE,
    /** The camera delivers video again after a {@code camera-offline}. */
    CAMERA_ONLINE;

    /** A ring or motion: someone at the door now, announced to the household the moment it arrives. */
    public boolean isSomeoneAtTheDoor() {
        return this == RING || this == MOTION;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static EventKind fromWire(String name) throws ProtocolException {
        for (EventKind kind : values()) {
            if (kind.wireName().equals(name)) {
                return kind;
            }
        }
        throw new ProtocolException(ErrorCode.INVALID_FIELD, "unknown event kind");
    }
}
