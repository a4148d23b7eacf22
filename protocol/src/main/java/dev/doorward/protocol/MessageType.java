package dev.doorward.protocol;

/** Wire names of message types, and which side may send each. */
public enum MessageType {
    HELLO("hello", true, false),
    HEARTBEAT("heartbeat", true, false),
    CLAIM_REQUEST("claim-request", true, false),
    CLAIM_CONFIRM("claim-confirm", true, false),
    EVENT("event", true, false),
    RENEW_CERTIFICATE("renew-certificate", true, false),
    ROSTER_STATUS("roster-status", true, false),
    ROSTER_REFUSED("roster-refused", true, false),
    MEDIA_KEY("media-key", true, false),
    DOOR_NONCE("door-nonce", true, false),
    MEDIA_UPLOAD("media-upload", true, false),
    DOOR_RESULT("door-result", true, false),
    ROSTER("roster", false, true),
    DOOR_NONCE_REQUEST("door-nonce-request", false, true),
    DOOR_OPEN("door-open", false, true),
    MEDIA_STORED("media-stored", false, true),
    LIVE("live", false, true),
    CHIME_SILENCE("chime-silence", false, true),
    WELCOME("welcome", false, true),
    HEARTBEAT_ACK("heartbeat-ack", false, true),
    CLAIM_CHALLENGE("claim-challenge", false, true),
    CLAIM_ACCEPTED("claim-accepted", false, true),
    EVENT_ACK("event-ack", false, true),
    CERTIFICATE_RENEWED("certificate-renewed", false, true),
    RESET_VETO("reset-veto", false, true),
    RELEASE("release", false, true),
    SET_COOLING_OFF("set-cooling-off", false, true),
    SET_MOTION("set-motion", false, true),
    CLAIM_REFUSED("claim-refused", true, true),
    ERROR("error", true, true);

    private final String wireName;
    private final boolean fromDevice;
    private final boolean fromHub;

    MessageType(String wireName, boolean fromDevice, boolean fromHub) {
        this.wireName = wireName;
        this.fromDevice = fromDevice;
        this.fromHub = fromHub;
    }

    public String wireName() {
        return wireName;
    }

    public boolean sentByDevice() {
        return fromDevice;
    }

    public boolean sentByHub() {
        return fromHub;
    }

    static MessageType fromWire(String name) throws ProtocolException {
        for (MessageType type : values()) {
            if (type.wireName.equals(name)) {
                return type;
            }
        }
        throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown message type");
    }

    static MessageType of(LinkMessage message) {
        return switch (message) {
            case LinkMessage.Hello m -> HELLO;
            case LinkMessage.Heartbeat m -> HEARTBEAT;
            case LinkMessage.ClaimRequest m -> CLAIM_REQUEST;
            case LinkMessage.ClaimConfirm m -> CLAIM_CONFIRM;
            case LinkMessage.DeviceEvent m -> EVENT;
            case LinkMessage.Welcome m -> WELCOME;
            case LinkMessage.HeartbeatAck m -> HEARTBEAT_ACK;
            case LinkMessage.ClaimChallenge m -> CLAIM_CHALLENGE;
            case LinkMessage.ClaimAccepted m -> CLAIM_ACCEPTED;
            case LinkMessage.EventAck m -> EVENT_ACK;
            case LinkMessage.RenewCertificate m -> RENEW_CERTIFICATE;
            case LinkMessage.RosterStatus m -> ROSTER_STATUS;
            case LinkMessage.RosterRefused m -> ROSTER_REFUSED;
            case LinkMessage.MediaKey m -> MEDIA_KEY;
            case LinkMessage.RosterUpdate m -> ROSTER;
            case LinkMessage.DoorNonce m -> DOOR_NONCE;
            case LinkMessage.DoorResult m -> DOOR_RESULT;
            case LinkMessage.DoorNonceRequest m -> DOOR_NONCE_REQUEST;
            case LinkMessage.DoorOpen m -> DOOR_OPEN;
            case LinkMessage.MediaUpload m -> MEDIA_UPLOAD;
            case LinkMessage.MediaStored m -> MEDIA_STORED;
            case LinkMessage.Live m -> LIVE;
            case LinkMessage.ChimeSilence m -> CHIME_SILENCE;
            case LinkMessage.CertificateRenewed m -> CERTIFICATE_RENEWED;
            case LinkMessage.ResetVeto m -> RESET_VETO;
            case LinkMessage.Release m -> RELEASE;
            case LinkMessage.SetCoolingOff m -> SET_COOLING_OFF;
            case LinkMessage.SetMotion m -> SET_MOTION;
            case LinkMessage.ClaimRefused m -> CLAIM_REFUSED;
            case LinkMessage.LinkError m -> ERROR;
        };
    }
}
