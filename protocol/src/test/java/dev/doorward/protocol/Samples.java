package dev.doorward.protocol;

import dev.doorward.protocol.LinkMessage.ClaimAccepted;
import dev.doorward.protocol.LinkMessage.ClaimChallenge;
import dev.doorward.protocol.LinkMessage.ClaimConfirm;
import dev.doorward.protocol.LinkMessage.ClaimRefusal;
import dev.doorward.protocol.LinkMessage.ClaimRefused;
import dev.doorward.protocol.LinkMessage.ClaimRequest;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.EventAck;
import dev.doorward.protocol.LinkMessage.Heartbeat;
import dev.doorward.protocol.LinkMessage.HeartbeatAck;
import dev.doorward.protocol.LinkMessage.Hello;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.Mode;
import dev.doorward.protocol.LinkMessage.Welcome;
import java.util.Arrays;
import java.util.List;

/** Valid messages for the tests: exactly one of each type, plus edge-case variants. */
final class Samples {
    private Samples() {}

    static final String DEVICE_ID = "dEv1ce_id-0123456789AB";
    static final String EVENT_ID = "EvEnT_id-0123456789abc";
    static final String TICKET = "tIcKeT_id-0123456789xy";
    /** 2024-06-01T12:00:00Z. */
    static final long OCCURRED_AT = 1_717_243_200_000L;

    static final String PEM = """
            -----BEGIN CERTIFICATE-----
            MIIBfzCCASWgAwIBAgIUQ2V4YW1wbGVfbm90X2FfcmVhbF9jZXJ0MAoGCCqGSM49
            BAMCMBUxEzARBgNVBAMMCkRvb3J3YXJkIENBMB4XDTI0MDYwMTAwMDAwMFoXDTM0
            -----END CERTIFICATE-----
            """;

    static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    /** One instance of every message type; {@code LinkCodecRoundTripTest} fails if a type is missing. */
    static List<LinkMessage> oneOfEach() {
        return List.of(
                new Hello(List.of(1), "doorward-device/0.1.0", Mode.NORMAL),
                new Heartbeat(42),
                ClaimRequest.of(TICKET, bytes(16, 1), bytes(256, 2)),
                ClaimConfirm.of(bytes(32, 3)),
                new DeviceEvent(EVENT_ID, EventKind.RING, OCCURRED_AT, "front door"),
                new Welcome(1, DEVICE_ID, 30),
                new HeartbeatAck(42),
                ClaimChallenge.of(bytes(256, 4), bytes(32, 5)),
                new ClaimAccepted(DEVICE_ID, PEM, PEM.replace("MIIB", "MIIC")),
                new EventAck(EVENT_ID),
                new LinkMessage.RenewCertificate(),
                new LinkMessage.CertificateRenewed(PEM),
                new LinkMessage.ResetVeto(),
                new LinkMessage.SetCoolingOff(
                        "doorward-cooling-off:1:" + DEVICE_ID + ":1767225600000:259200", "c2ln", "a2V5"),
                new LinkMessage.SetMotion(
                        "doorward-motion:1:" + DEVICE_ID + ":1767225600000:on;0,6,16,6;2,0,3,3", "c2ln", "a2V5"),
                LinkMessage.Release.of(
                        "doorward-release:1:" + DEVICE_ID + ":1767225600000", bytes(64, 6), bytes(91, 7)),
                new ClaimRefused(ClaimRefusal.WRONG_CODE),
                new LinkError(ErrorCode.MALFORMED, "message must be a JSON object"),
                new LinkMessage.RosterStatus(3),
                new LinkMessage.RosterRefused(4, "signer is not a member of the current roster"),
                LinkMessage.MediaKey.of(1_800_000_000L, EVENT_ID, 16, bytes(91, 8), bytes(12, 9), bytes(48, 10)),
                new LinkMessage.RosterUpdate("doorward-roster:1\nhousehold:x", "c2ln", "a2V5"),
                new LinkMessage.Live(2),
                new LinkMessage.ChimeSilence(1800),
                new LinkMessage.DoorNonce(EVENT_ID, TICKET),
                new LinkMessage.DoorResult(EVENT_ID, false, "nonce unknown or used"),
                new LinkMessage.DoorNonceRequest(EVENT_ID),
                new LinkMessage.MediaUpload(EVENT_ID, LinkMessage.EventMediaKind.CLIP, 123_456),
                new LinkMessage.MediaStored(EVENT_ID, LinkMessage.EventMediaKind.SNAPSHOT),
                new LinkMessage.DoorOpen(
                        EVENT_ID,
                        "doorward-door:1:" + DEVICE_ID + ":open:" + TICKET + ":1767225600000",
                        "c2ln",
                        "a2V5"));
    }

    /** The smallest detail an event of this kind may carry: none where it is free text. */
    static String validDetail(EventKind kind) {
        return switch (kind) {
            case RESET_PENDING -> "until=" + OCCURRED_AT;
            case SETTING_CHANGED -> "cooling-off=0";
            case CLAIM_REFUSED -> "ticket:" + TICKET;
            default -> null;
        };
    }

    /** Valid edge cases: optional fields absent, boundary values, every enum constant. */
    static List<LinkMessage> variants() {
        List<LinkMessage> variants = new java.util.ArrayList<>(List.of(
                new Hello(List.of(1, 2, 3, 4, 5, 6, 7, 8), "a", Mode.CLAIM),
                new Hello(List.of(Integer.MAX_VALUE), "x".repeat(Limits.MAX_AGENT_CHARS), Mode.NORMAL),
                new Hello(List.of(1), "Doorward Sim/1.0 x86_64+test", Mode.NORMAL),
                new Heartbeat(0),
                new Heartbeat(Long.MAX_VALUE),
                new HeartbeatAck(Long.MAX_VALUE),
                new DeviceEvent(EVENT_ID, EventKind.MOTION, OCCURRED_AT, null),
                new DeviceEvent(EVENT_ID, EventKind.TAMPER, 1_577_836_800_000L, ""),
                new DeviceEvent(EVENT_ID, EventKind.RING, OCCURRED_AT, "é\"\\\n\t☃".repeat(10)),
                new DeviceEvent(EVENT_ID, EventKind.RING, OCCURRED_AT, "d".repeat(Limits.MAX_DETAIL_CHARS)),
                new Welcome(1, null, 1),
                new Welcome(1, DEVICE_ID, Limits.MAX_HEARTBEAT_SECONDS),
                ClaimRequest.of(TICKET, bytes(1, 6), bytes(384, 7)),
                ClaimConfirm.of(bytes(2, 8)),
                ClaimChallenge.of(bytes(3, 9), bytes(64, 10)),
                new LinkError(ErrorCode.TOO_LARGE, "")));
        Arrays.stream(EventKind.values())
                .map(kind -> new DeviceEvent(EVENT_ID, kind, OCCURRED_AT, validDetail(kind)))
                .forEach(variants::add);
        variants.add(new DeviceEvent(EVENT_ID, EventKind.RESET_PENDING, OCCURRED_AT, "until=32503680000000"));
        variants.add(new DeviceEvent(EVENT_ID, EventKind.SETTING_CHANGED, OCCURRED_AT, "cooling-off=2592000"));
        variants.add(new DeviceEvent(EVENT_ID, EventKind.SETTING_CHANGED, OCCURRED_AT, "motion=off"));
        variants.add(new DeviceEvent(EVENT_ID, EventKind.SETTING_CHANGED, OCCURRED_AT, "motion=on;0,0,16,12"));
        variants.add(new DeviceEvent(EVENT_ID, EventKind.CLAIM_REFUSED, OCCURRED_AT, "foreign-hub"));
        variants.add(LinkError.about(EVENT_ID, ErrorCode.INVALID_FIELD, "no such event"));
        variants.add(LinkError.rateLimited(EVENT_ID, 1));
        variants.add(LinkError.rateLimited(null, Limits.MAX_RETRY_AFTER_MILLIS));
        Arrays.stream(ClaimRefusal.values()).map(ClaimRefused::new).forEach(variants::add);
        Arrays.stream(ErrorCode.values()).map(code -> new LinkError(code, "x")).forEach(variants::add);
        return variants;
    }
}
