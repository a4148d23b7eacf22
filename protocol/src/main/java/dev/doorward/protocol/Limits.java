package dev.doorward.protocol;

/** Size limits of the device link. Anything larger is refused before it is parsed. */
public final class Limits {
    private Limits() {}

    /** The envelope version this code speaks. */
    public static final int PROTOCOL_VERSION = 1;

    /**
     * A control message, in UTF-16 characters: two certificates fit with room to spare. Kept small because the
     * hub's WebSocket stack reserves a buffer of this size for every connected device.
     */
    public static final int MAX_TEXT_MESSAGE_CHARS = 8 * 1024;

    /**
     * A message from the hub, which may carry a whole roster ({@link Roster#MAX_TEXT_CHARS}). Only devices
     * receive these, so no hub buffer grows with it.
     */
    public static final int MAX_HUB_MESSAGE_CHARS = Roster.MAX_TEXT_CHARS + 4 * 1024;

    /** The most viewers one device is told about. */
    public static final int MAX_VIEWERS = 10_000;
    /** The longest a member may silence a chime at once: a night. */
    public static final int MAX_CHIME_SILENCE_SECONDS = 12 * 3600;

    public static final int MAX_DETAIL_CHARS = 256;
    public static final int MAX_AGENT_CHARS = 64;
    /** A P-256 certificate in PEM is under 1 000 characters. */
    public static final int MAX_PEM_CHARS = 3072;
    /** SRP values of the 2048-bit group are 256 bytes; base64url makes them 342 characters. */
    public static final int MAX_BINARY_FIELD_CHARS = 512;

    public static final int MAX_VERSIONS = 8;
    public static final int MAX_HEARTBEAT_SECONDS = 3600;
    /** The longest wait an {@code error} may ask for before a refused event is sent again (one hour). */
    public static final long MAX_RETRY_AFTER_MILLIS = 3_600_000;
    /** The longest reset cooling-off period an owner may set (30 days), in seconds. */
    public static final long MAX_COOLING_OFF_SECONDS = 30L * 24 * 3600;
}
