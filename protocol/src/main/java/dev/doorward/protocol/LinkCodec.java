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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns link messages into JSON text and back. Envelope: {@code {"v":1,"type":"event","body":{...}}}.
 *
 * <p>Decoding validates everything at the boundary: size before parsing, envelope version, type, direction,
 * every field's presence, type, length and format; unknown fields are refused so that nothing is silently
 * ignored. Errors never echo the offending value. The codec is stateless and thread-safe.
 *
 * <p>One class: one encode and one decode case per message type, side by side, so a field added to one side is seen
 * missing on the other; the length is the number of message types.
 */
public final class LinkCodec {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern AGENT = Pattern.compile("[A-Za-z0-9 ._/+-]{1,64}");
    /** Event times before 2020 or absurdly far ahead are a broken clock or a forgery. */
    static final long MIN_TIME = 1_577_836_800_000L;

    static final long MAX_TIME = 32_503_680_000_000L;

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(4)
                            .maxStringLength(Limits.MAX_HUB_MESSAGE_CHARS)
                            .maxNumberLength(20)
                            .build())
                    // A repeated key would otherwise silently replace the first value.
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .build();

    private LinkCodec() {}

    // ---- encoding

    public static String encode(LinkMessage message) {
        ObjectNode envelope = MAPPER.createObjectNode();
        envelope.put("v", Limits.PROTOCOL_VERSION);
        envelope.put("type", message.type());
        ObjectNode body = envelope.putObject("body");
        switch (message) {
            case Hello m -> {
                ArrayNode versions = body.putArray("versions");
                m.versions().forEach(versions::add);
                body.put("agent", m.agent());
                body.put("mode", m.mode().wireName());
            }
            case Heartbeat m -> body.put("seq", m.sequence());
            case ClaimRequest m -> {
                body.put("ticket", m.ticket());
                body.put("salt", m.salt());
                body.put("devicePublicValue", m.devicePublicValue());
            }
            case ClaimConfirm m -> body.put("deviceEvidence", m.deviceEvidence());
            case DeviceEvent m -> {
                body.put("eventId", m.eventId());
                body.put("kind", m.kind().wireName());
                body.put("occurredAt", m.occurredAt());
                if (m.detail() != null) {
                    body.put("detail", m.detail());
                }
            }
            case Welcome m -> {
                body.put("version", m.version());
                if (m.deviceId() != null) {
                    body.put("deviceId", m.deviceId());
                }
                body.put("heartbeatSeconds", m.heartbeatSeconds());
            }
            case HeartbeatAck m -> body.put("seq", m.sequence());
            case ClaimChallenge m -> {
                body.put("hubPublicValue", m.hubPublicValue());
                body.put("hubEvidence", m.hubEvidence());
            }
            case ClaimAccepted m -> {
                body.put("deviceId", m.deviceId());
                body.put("operationalCertificate", m.operationalCertificatePem());
                body.put("hubCaCertificate", m.hubCaCertificatePem());
            }
            case EventAck m -> body.put("eventId", m.eventId());
            case LinkMessage.RenewCertificate m -> {}
            case LinkMessage.RosterStatus m -> body.put("epoch", m.epoch());
            case LinkMessage.RosterRefused m -> {
                body.put("epoch", m.epoch());
                body.put("reason", truncate(m.reason(), Limits.MAX_DETAIL_CHARS));
            }
            case LinkMessage.MediaKey m -> {
                body.put("epoch", m.epoch());
                body.put("clientId", m.clientId());
                body.put("slot", m.slot());
                body.put("ephemeralKey", m.ephemeralKey());
                body.put("nonce", m.nonce());
                body.put("wrapped", m.wrapped());
            }
            case LinkMessage.RosterUpdate m -> {
                body.put("text", m.text());
                body.put("signature", m.signature());
                body.put("signerPublicKey", m.signerPublicKey());
            }
            case LinkMessage.Live m -> body.put("viewers", m.viewers());
            case LinkMessage.ChimeSilence m -> body.put("seconds", m.seconds());
            case LinkMessage.DoorNonce m -> {
                body.put("requestId", m.requestId());
                body.put("nonce", m.nonce());
            }
            case LinkMessage.DoorResult m -> {
                body.put("requestId", m.requestId());
                body.put("opened", m.opened());
                body.put("reason", truncate(m.reason(), Limits.MAX_DETAIL_CHARS));
            }
            case LinkMessage.DoorNonceRequest m -> body.put("requestId", m.requestId());
            case LinkMessage.MediaUpload m -> {
                body.put("eventId", m.eventId());
                body.put("kind", m.kind().wireName());
                body.put("bytes", m.bytes());
            }
            case LinkMessage.MediaStored m -> {
                body.put("eventId", m.eventId());
                body.put("kind", m.kind().wireName());
            }
            case LinkMessage.DoorOpen m -> {
                body.put("requestId", m.requestId());
                body.put("statement", m.statement());
                body.put("signature", m.signature());
                body.put("signerPublicKey", m.signerPublicKey());
            }
            case LinkMessage.CertificateRenewed m -> body.put("operationalCertificate", m.operationalCertificatePem());
            case LinkMessage.ResetVeto m -> {}
            case LinkMessage.SetCoolingOff m -> {
                body.put("statement", m.statement());
                body.put("signature", m.signature());
                body.put("signerPublicKey", m.signerPublicKey());
            }
            case LinkMessage.SetMotion m -> {
                body.put("statement", m.statement());
                body.put("signature", m.signature());
                body.put("signerPublicKey", m.signerPublicKey());
            }
            case LinkMessage.Release m -> {
                body.put("statement", m.statement());
                body.put("signature", m.signature());
                body.put("signerPublicKey", m.signerPublicKey());
            }
            case ClaimRefused m -> body.put("reason", m.reason().wireName());
            case LinkError m -> {
                body.put("code", m.code().wireName());
                body.put("message", truncate(m.message(), Limits.MAX_DETAIL_CHARS));
                if (m.eventId() != null) {
                    body.put("eventId", m.eventId());
                }
                if (m.retryAfterMillis() > 0) {
                    body.put("retryAfterMs", m.retryAfterMillis());
                }
            }
        }
        return MAPPER.writeValueAsString(envelope);
    }

    // ---- decoding

    /** Decodes a message the hub received: only types a device may send are accepted. */
    public static LinkMessage.FromDevice decodeFromDevice(String text) throws ProtocolException {
        if (decode(text, Limits.MAX_TEXT_MESSAGE_CHARS) instanceof LinkMessage.FromDevice m) {
            return m;
        }
        throw new ProtocolException(ErrorCode.NOT_ALLOWED, "a device may not send this message type");
    }

    /** Decodes a message the device received: only types the hub may send are accepted. */
    public static LinkMessage.FromHub decodeFromHub(String text) throws ProtocolException {
        if (decode(text, Limits.MAX_HUB_MESSAGE_CHARS) instanceof LinkMessage.FromHub m) {
            return m;
        }
        throw new ProtocolException(ErrorCode.NOT_ALLOWED, "the hub may not send this message type");
    }

    /** Decodes a message of either direction, up to the device's text limit. */
    public static LinkMessage decode(String text) throws ProtocolException {
        return decode(text, Limits.MAX_TEXT_MESSAGE_CHARS);
    }

    private static LinkMessage decode(String text, int maxChars) throws ProtocolException {
        if (text == null || text.isEmpty()) {
            throw new ProtocolException(ErrorCode.MALFORMED, "empty message");
        }
        if (text.length() > maxChars) {
            throw new ProtocolException(ErrorCode.TOO_LARGE, "message larger than " + maxChars);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw new ProtocolException(ErrorCode.MALFORMED, "not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new ProtocolException(ErrorCode.MALFORMED, "message must be a JSON object");
        }
        JsonNode version = root.get("v");
        if (version == null || !version.isIntegralNumber()) {
            throw new ProtocolException(ErrorCode.MALFORMED, "envelope needs an integer 'v'");
        }
        if (!version.canConvertToInt() || version.intValue() != Limits.PROTOCOL_VERSION) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION, "envelope version not supported");
        }
        // Only now that the version is known are unknown envelope fields an error, not a newer version.
        Fields envelope = new Fields(root, "envelope", Set.of("v", "type", "body"));
        MessageType type = MessageType.fromWire(envelope.string("type", 32));
        JsonNode bodyNode = root.get("body");
        if (bodyNode == null || !bodyNode.isObject()) {
            throw new ProtocolException(ErrorCode.MALFORMED, "envelope needs an object 'body'");
        }
        return switch (type) {
            case HELLO -> {
                Fields b = new Fields(bodyNode, type, Set.of("versions", "agent", "mode"));
                yield new Hello(b.versions("versions"), b.matching("agent", AGENT), mode(b.string("mode", 16)));
            }
            case HEARTBEAT -> new Heartbeat(new Fields(bodyNode, type, Set.of("seq")).nonNegativeLong("seq"));
            case CLAIM_REQUEST -> {
                Fields b = new Fields(bodyNode, type, Set.of("ticket", "salt", "devicePublicValue"));
                yield new ClaimRequest(b.id("ticket"), b.binary("salt"), b.binary("devicePublicValue"));
            }
            case CLAIM_CONFIRM ->
                new ClaimConfirm(new Fields(bodyNode, type, Set.of("deviceEvidence")).binary("deviceEvidence"));
            case EVENT -> {
                Fields b = new Fields(bodyNode, type, Set.of("eventId", "kind", "occurredAt", "detail"));
                String eventId = b.id("eventId");
                EventKind kind = EventKind.fromWire(b.string("kind", 32));
                long occurredAt = b.time("occurredAt");
                String detail = b.optionalString("detail", Limits.MAX_DETAIL_CHARS);
                // A detail the hub acts on must be well-formed here, or the event would be a poison pill.
                EventDetail.check(kind, detail);
                yield new DeviceEvent(eventId, kind, occurredAt, detail);
            }
            case WELCOME -> {
                Fields b = new Fields(bodyNode, type, Set.of("version", "deviceId", "heartbeatSeconds"));
                int chosen = b.intInRange("version", 1, Integer.MAX_VALUE);
                String deviceId = bodyNode.has("deviceId") ? b.id("deviceId") : null;
                int heartbeat = b.intInRange("heartbeatSeconds", 1, Limits.MAX_HEARTBEAT_SECONDS);
                yield new Welcome(chosen, deviceId, heartbeat);
            }
            case HEARTBEAT_ACK -> new HeartbeatAck(new Fields(bodyNode, type, Set.of("seq")).nonNegativeLong("seq"));
            case CLAIM_CHALLENGE -> {
                Fields b = new Fields(bodyNode, type, Set.of("hubPublicValue", "hubEvidence"));
                yield new ClaimChallenge(b.binary("hubPublicValue"), b.binary("hubEvidence"));
            }
            case CLAIM_ACCEPTED -> {
                Fields b = new Fields(bodyNode, type, Set.of("deviceId", "operationalCertificate", "hubCaCertificate"));
                yield new ClaimAccepted(b.id("deviceId"), b.pem("operationalCertificate"), b.pem("hubCaCertificate"));
            }
            case EVENT_ACK -> new EventAck(new Fields(bodyNode, type, Set.of("eventId")).id("eventId"));
            case RENEW_CERTIFICATE -> {
                new Fields(bodyNode, type, Set.of());
                yield new LinkMessage.RenewCertificate();
            }
            case CERTIFICATE_RENEWED ->
                new LinkMessage.CertificateRenewed(
                        new Fields(bodyNode, type, Set.of("operationalCertificate")).pem("operationalCertificate"));
            case SET_COOLING_OFF -> {
                Fields b = new Fields(bodyNode, type, Set.of("statement", "signature", "signerPublicKey"));
                yield new LinkMessage.SetCoolingOff(
                        b.string("statement", Limits.MAX_DETAIL_CHARS),
                        b.binary("signature"),
                        b.binary("signerPublicKey"));
            }
            case SET_MOTION -> {
                Fields b = new Fields(bodyNode, type, Set.of("statement", "signature", "signerPublicKey"));
                String statement = b.string("statement", Limits.MAX_DETAIL_CHARS);
                MotionSetting.ofStatement(statement);
                yield new LinkMessage.SetMotion(statement, b.binary("signature"), b.binary("signerPublicKey"));
            }
            case RELEASE -> {
                Fields b = new Fields(bodyNode, type, Set.of("statement", "signature", "signerPublicKey"));
                yield new LinkMessage.Release(
                        b.string("statement", Limits.MAX_DETAIL_CHARS),
                        b.binary("signature"),
                        b.binary("signerPublicKey"));
            }
            case RESET_VETO -> {
                new Fields(bodyNode, type, Set.of());
                yield new LinkMessage.ResetVeto();
            }
            case ROSTER_STATUS ->
                new LinkMessage.RosterStatus(new Fields(bodyNode, type, Set.of("epoch")).nonNegativeLong("epoch"));
            case ROSTER_REFUSED -> {
                Fields b = new Fields(bodyNode, type, Set.of("epoch", "reason"));
                yield new LinkMessage.RosterRefused(
                        b.nonNegativeLong("epoch"), b.string("reason", Limits.MAX_DETAIL_CHARS));
            }
            case MEDIA_KEY -> {
                Fields b = new Fields(
                        bodyNode, type, Set.of("epoch", "clientId", "slot", "ephemeralKey", "nonce", "wrapped"));
                yield new LinkMessage.MediaKey(
                        b.nonNegativeLong("epoch"),
                        b.id("clientId"),
                        b.intInRange("slot", 0, 255),
                        b.binary("ephemeralKey"),
                        b.binary("nonce"),
                        b.binary("wrapped"));
            }
            case ROSTER -> {
                Fields b = new Fields(bodyNode, type, Set.of("text", "signature", "signerPublicKey"));
                yield new LinkMessage.RosterUpdate(
                        b.string("text", Roster.MAX_TEXT_CHARS), b.binary("signature"), b.binary("signerPublicKey"));
            }
            case LIVE ->
                new LinkMessage.Live(
                        new Fields(bodyNode, type, Set.of("viewers")).intInRange("viewers", 0, Limits.MAX_VIEWERS));
            case CHIME_SILENCE ->
                new LinkMessage.ChimeSilence(new Fields(bodyNode, type, Set.of("seconds"))
                        .intInRange("seconds", 0, Limits.MAX_CHIME_SILENCE_SECONDS));
            case DOOR_NONCE -> {
                Fields b = new Fields(bodyNode, type, Set.of("requestId", "nonce"));
                yield new LinkMessage.DoorNonce(b.id("requestId"), b.id("nonce"));
            }
            case DOOR_RESULT -> {
                Fields b = new Fields(bodyNode, type, Set.of("requestId", "opened", "reason"));
                yield new LinkMessage.DoorResult(
                        b.id("requestId"), b.bool("opened"), b.string("reason", Limits.MAX_DETAIL_CHARS));
            }
            case MEDIA_UPLOAD -> {
                Fields b = new Fields(bodyNode, type, Set.of("eventId", "kind", "bytes"));
                LinkMessage.EventMediaKind kind = mediaKind(b.string("kind", 16));
                yield new LinkMessage.MediaUpload(b.id("eventId"), kind, b.intInRange("bytes", 1, kind.maxBytes()));
            }
            case MEDIA_STORED -> {
                Fields b = new Fields(bodyNode, type, Set.of("eventId", "kind"));
                yield new LinkMessage.MediaStored(b.id("eventId"), mediaKind(b.string("kind", 16)));
            }
            case DOOR_NONCE_REQUEST ->
                new LinkMessage.DoorNonceRequest(new Fields(bodyNode, type, Set.of("requestId")).id("requestId"));
            case DOOR_OPEN -> {
                Fields b = new Fields(bodyNode, type, Set.of("requestId", "statement", "signature", "signerPublicKey"));
                yield new LinkMessage.DoorOpen(
                        b.id("requestId"),
                        b.string("statement", Limits.MAX_DETAIL_CHARS),
                        b.binary("signature"),
                        b.binary("signerPublicKey"));
            }
            case CLAIM_REFUSED ->
                new ClaimRefused(refusal(new Fields(bodyNode, type, Set.of("reason")).string("reason", 32)));
            case ERROR -> {
                Fields b = new Fields(bodyNode, type, Set.of("code", "message", "eventId", "retryAfterMs"));
                ErrorCode code = ErrorCode.fromWire(b.string("code", 32));
                String message = b.string("message", Limits.MAX_DETAIL_CHARS);
                String eventId = bodyNode.has("eventId") ? b.id("eventId") : null;
                long retryAfter = bodyNode.has("retryAfterMs") ? b.nonNegativeLong("retryAfterMs") : 0;
                if (retryAfter > Limits.MAX_RETRY_AFTER_MILLIS) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, "error: 'retryAfterMs' out of range");
                }
                yield new LinkError(code, message, eventId, retryAfter);
            }
        };
    }

    private static Mode mode(String wire) throws ProtocolException {
        for (Mode mode : Mode.values()) {
            if (mode.wireName().equals(wire)) {
                return mode;
            }
        }
        throw new ProtocolException(ErrorCode.INVALID_FIELD, "unknown mode");
    }

    private static LinkMessage.EventMediaKind mediaKind(String wire) throws ProtocolException {
        for (LinkMessage.EventMediaKind kind : LinkMessage.EventMediaKind.values()) {
            if (kind.wireName().equals(wire)) {
                return kind;
            }
        }
        throw new ProtocolException(ErrorCode.INVALID_FIELD, "unknown media kind");
    }

    private static ClaimRefusal refusal(String wire) throws ProtocolException {
        for (ClaimRefusal reason : ClaimRefusal.values()) {
            if (reason.wireName().equals(wire)) {
                return reason;
            }
        }
        throw new ProtocolException(ErrorCode.INVALID_FIELD, "unknown claim refusal reason");
    }

    private static String truncate(String text, int max) {
        if (text == null) {
            return "";
        }
        return text.length() <= max ? text : text.substring(0, max);
    }

    /** Typed access to the fields of one JSON object, refusing unknown fields up front. */
    private static final class Fields {
        private final JsonNode node;
        private final String where;

        Fields(JsonNode node, Object where, Set<String> allowed) throws ProtocolException {
            this.node = node;
            this.where = where instanceof MessageType t ? t.wireName() : String.valueOf(where);
            for (String name : node.propertyNames()) {
                if (!allowed.contains(name)) {
                    throw new ProtocolException(ErrorCode.MALFORMED, this.where + ": unexpected field");
                }
            }
        }

        private JsonNode required(String name) throws ProtocolException {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                throw new ProtocolException(ErrorCode.MALFORMED, where + ": missing field '" + name + "'");
            }
            return value;
        }

        String string(String name, int maxChars) throws ProtocolException {
            JsonNode value = required(name);
            if (!value.isString()) {
                throw new ProtocolException(ErrorCode.MALFORMED, where + ": '" + name + "' must be a string");
            }
            String text = value.stringValue();
            if (text.length() > maxChars) {
                throw new ProtocolException(ErrorCode.TOO_LARGE, where + ": '" + name + "' too long");
            }
            return text;
        }

        String optionalString(String name, int maxChars) throws ProtocolException {
            return node.has(name) && !node.get(name).isNull() ? string(name, maxChars) : null;
        }

        String matching(String name, Pattern pattern) throws ProtocolException {
            String text = string(name, Limits.MAX_AGENT_CHARS);
            if (!pattern.matcher(text).matches()) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, where + ": '" + name + "' has a bad format");
            }
            return text;
        }

        String id(String name) throws ProtocolException {
            String text = string(name, 64);
            if (!ID.matcher(text).matches()) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, where + ": '" + name + "' is not an id");
            }
            return text;
        }

        String binary(String name) throws ProtocolException {
            String text = string(name, Limits.MAX_BINARY_FIELD_CHARS);
            if (text.isEmpty() || !BASE64URL.matcher(text).matches() || text.length() % 4 == 1) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, where + ": '" + name + "' is not base64url");
            }
            return text;
        }

        String pem(String name) throws ProtocolException {
            String text = string(name, Limits.MAX_PEM_CHARS);
            if (!text.startsWith("-----BEGIN CERTIFICATE-----")) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, where + ": '" + name + "' is not a certificate");
            }
            return text;
        }

        boolean bool(String name) throws ProtocolException {
            JsonNode value = required(name);
            if (!value.isBoolean()) {
                throw new ProtocolException(ErrorCode.MALFORMED, where + ": '" + name + "' must be true or false");
            }
            return value.booleanValue();
        }

        long nonNegativeLong(String name) throws ProtocolException {
            JsonNode value = required(name);
            if (!value.isIntegralNumber()) {
                throw new ProtocolException(ErrorCode.MALFORMED, where + ": '" + name + "' must be an integer");
            }
            if (!value.canConvertToLong() || value.longValue() < 0) {
                throw new ProtocolException(
                        ErrorCode.INVALID_FIELD, where + ": '" + name + "' must be a non-negative integer");
            }
            return value.longValue();
        }

        /** Range-checked before narrowing, so that a large value cannot wrap into the range. */
        int intInRange(String name, int min, int max) throws ProtocolException {
            long value = nonNegativeLong(name);
            if (value < min || value > max) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, where + ": '" + name + "' out of range");
            }
            return (int) value;
        }

        long time(String name) throws ProtocolException {
            long millis = nonNegativeLong(name);
            if (millis < MIN_TIME || millis > MAX_TIME) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, where + ": '" + name + "' out of range");
            }
            return millis;
        }

        List<Integer> versions(String name) throws ProtocolException {
            JsonNode value = required(name);
            if (!value.isArray()) {
                throw new ProtocolException(ErrorCode.MALFORMED, where + ": '" + name + "' must be an array");
            }
            if (value.isEmpty() || value.size() > Limits.MAX_VERSIONS) {
                throw new ProtocolException(
                        ErrorCode.INVALID_FIELD, where + ": '" + name + "' must list 1 to 8 versions");
            }
            List<Integer> versions = new ArrayList<>();
            for (JsonNode v : value) {
                if (!v.isIntegralNumber()) {
                    throw new ProtocolException(ErrorCode.MALFORMED, where + ": versions must be integers");
                }
                if (!v.canConvertToInt() || v.intValue() < 1) {
                    throw new ProtocolException(
                            ErrorCode.INVALID_FIELD, where + ": versions must be positive integers");
                }
                versions.add(v.intValue());
            }
            return versions;
        }
    }
}
