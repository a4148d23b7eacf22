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
    CLAIM_REFUSED;

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
