package dev.doorward.device.link;

/** The device's link to its hub. */
public enum LinkState {
    /** Not connected and not trying (not owned, or closed). Also between attempts while backing off. */
    DISCONNECTED,
    /** A connection is being opened or the hub has not welcomed it yet. */
    CONNECTING,
    /** The hub welcomed the device: events flow. */
    CONNECTED
}
