package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a message can be refused, with the error code the peer gets back. */
class LinkCodecMalformedTest {

    private static final String ID = Samples.EVENT_ID;
    private static final String CANARY = "Zq9CANARYx";

    /** JSON with single quotes, for readability. */
    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static String message(String type, String body) {
        return json("{'v':1,'type':'" + type + "','body':" + body + "}");
    }

    private static String hello(String versions, String agent, String mode) {
        return message("hello", "{'versions':" + versions + ",'agent':" + agent + ",'mode':" + mode + "}");
    }

    private static String event(String eventId, String kind, String occurredAt) {
        return message("event", "{'eventId':" + eventId + ",'kind':" + kind + ",'occurredAt':" + occurredAt + "}");
    }

    private static String eventWithDetail(String detail) {
        return message(
                "event", "{'eventId':'" + ID + "','kind':'ring','occurredAt':1717243200000,'detail':" + detail + "}");
    }

    private static String welcome(String version, String heartbeatSeconds) {
        return message("welcome", "{'version':" + version + ",'heartbeatSeconds':" + heartbeatSeconds + "}");
    }

    private static String claimRequest(String ticket, String salt, String value) {
        return message(
                "claim-request", "{'ticket':" + ticket + ",'salt':" + salt + ",'devicePublicValue':" + value + "}");
    }

    private static String claimAccepted(String pem) {
        return message(
                "claim-accepted",
                "{'deviceId':'" + ID + "','operationalCertificate':" + pem + ",'hubCaCertificate':"
                        + quoted(Samples.PEM) + "}");
    }

    /** A single-quoted string literal for {@link #json}; the texts used here need no escaping but line breaks. */
    private static String quoted(String text) {
        return "'" + text.replace("\n", "\\n") + "'";
    }

    static Stream<Arguments> refused() {
        String pemKey = quoted("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
        return Stream.of(
                // not a message at all
                arguments("empty", "", ErrorCode.MALFORMED),
                arguments("blank", "   \n", ErrorCode.MALFORMED),
                arguments("not JSON", "hello there", ErrorCode.MALFORMED),
                arguments("unterminated object", "{\"v\":1", ErrorCode.MALFORMED),
                arguments("JSON array", "[]", ErrorCode.MALFORMED),
                arguments(
                        "array around a valid message",
                        "[" + LinkCodec.encode(Samples.oneOfEach().get(1)) + "]",
                        ErrorCode.MALFORMED),
                arguments("JSON number", "42", ErrorCode.MALFORMED),
                arguments("JSON string", "\"hello\"", ErrorCode.MALFORMED),
                arguments("JSON null", "null", ErrorCode.MALFORMED),
                arguments("JSON true", "true", ErrorCode.MALFORMED),
                arguments(
                        "trailing content", LinkCodec.encode(Samples.oneOfEach().get(1)) + "{}", ErrorCode.MALFORMED),
                arguments(
                        "duplicate key",
                        json("{'v':1,'type':'heartbeat','body':{'seq':1,'seq':2}}"),
                        ErrorCode.MALFORMED),
                arguments(
                        "duplicate envelope key",
                        json("{'v':1,'type':'event','type':'heartbeat','body':{'seq':1}}"),
                        ErrorCode.MALFORMED),
                // envelope
                arguments("missing v", json("{'type':'heartbeat','body':{'seq':1}}"), ErrorCode.MALFORMED),
                arguments("v as string", json("{'v':'1','type':'heartbeat','body':{'seq':1}}"), ErrorCode.MALFORMED),
                arguments("v as fraction", json("{'v':1.0,'type':'heartbeat','body':{'seq':1}}"), ErrorCode.MALFORMED),
                arguments("v null", json("{'v':null,'type':'heartbeat','body':{'seq':1}}"), ErrorCode.MALFORMED),
                arguments("v=2", json("{'v':2,'type':'heartbeat','body':{'seq':1}}"), ErrorCode.UNSUPPORTED_VERSION),
                arguments("v=0", json("{'v':0,'type':'heartbeat','body':{'seq':1}}"), ErrorCode.UNSUPPORTED_VERSION),
                arguments("v=-1", json("{'v':-1,'type':'heartbeat','body':{'seq':1}}"), ErrorCode.UNSUPPORTED_VERSION),
                arguments(
                        "v beyond int",
                        json("{'v':4294967297,'type':'heartbeat','body':{'seq':1}}"),
                        ErrorCode.UNSUPPORTED_VERSION),
                arguments(
                        "v=2 with a field v1 does not know",
                        json("{'v':2,'id':7,'type':'heartbeat','body':{}}"),
                        ErrorCode.UNSUPPORTED_VERSION),
                arguments("missing type", json("{'v':1,'body':{'seq':1}}"), ErrorCode.MALFORMED),
                arguments("type not a string", json("{'v':1,'type':7,'body':{'seq':1}}"), ErrorCode.MALFORMED),
                arguments("unknown type", message("ring", "{}"), ErrorCode.UNKNOWN_TYPE),
                arguments("type in upper case", message("HEARTBEAT", "{'seq':1}"), ErrorCode.UNKNOWN_TYPE),
                arguments("type too long", message("x".repeat(33), "{}"), ErrorCode.TOO_LARGE),
                arguments("missing body", json("{'v':1,'type':'heartbeat'}"), ErrorCode.MALFORMED),
                arguments("body null", message("heartbeat", "null"), ErrorCode.MALFORMED),
                arguments("body an array", message("heartbeat", "[1]"), ErrorCode.MALFORMED),
                arguments("body a string", message("heartbeat", "'seq'"), ErrorCode.MALFORMED),
                arguments(
                        "extra envelope field",
                        json("{'v':1,'type':'heartbeat','body':{'seq':1},'x':1}"),
                        ErrorCode.MALFORMED),
                // required fields and their JSON types
                arguments("missing required field", message("heartbeat", "{}"), ErrorCode.MALFORMED),
                arguments("required field null", message("heartbeat", "{'seq':null}"), ErrorCode.MALFORMED),
                arguments("unexpected extra field", message("heartbeat", "{'seq':1,'x':1}"), ErrorCode.MALFORMED),
                arguments("number as string", message("heartbeat", "{'seq':'1'}"), ErrorCode.MALFORMED),
                arguments("number as boolean", message("heartbeat-ack", "{'seq':true}"), ErrorCode.MALFORMED),
                arguments("number as fraction", message("heartbeat", "{'seq':1.5}"), ErrorCode.MALFORMED),
                arguments("number in exponent form", message("heartbeat", "{'seq':1e3}"), ErrorCode.MALFORMED),
                arguments("string as number", hello("[1]", "7", "'normal'"), ErrorCode.MALFORMED),
                arguments("string as object", hello("[1]", "'a'", "{}"), ErrorCode.MALFORMED),
                arguments("string as array", message("event-ack", "{'eventId':['" + ID + "']}"), ErrorCode.MALFORMED),
                arguments("missing eventId", message("event-ack", "{}"), ErrorCode.MALFORMED),
                arguments(
                        "missing occurredAt",
                        message("event", "{'eventId':'" + ID + "','kind':'ring'}"),
                        ErrorCode.MALFORMED),
                arguments("missing mode", message("hello", "{'versions':[1],'agent':'a'}"), ErrorCode.MALFORMED),
                arguments(
                        "missing hubEvidence",
                        message("claim-challenge", "{'hubPublicValue':'AAAA'}"),
                        ErrorCode.MALFORMED),
                arguments("detail a number", eventWithDetail("5"), ErrorCode.MALFORMED),
                arguments("error code a number", message("error", "{'code':5,'message':'m'}"), ErrorCode.MALFORMED),
                arguments("error without message", message("error", "{'code':'internal'}"), ErrorCode.MALFORMED),
                // numbers
                arguments("negative seq", message("heartbeat", "{'seq':-1}"), ErrorCode.INVALID_FIELD),
                arguments(
                        "seq beyond long",
                        message("heartbeat", "{'seq':9223372036854775808}"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "number longer than 20 digits",
                        message("heartbeat", "{'seq':" + "9".repeat(21) + "}"),
                        ErrorCode.MALFORMED),
                arguments(
                        "event before 2020", event("'" + ID + "'", "'ring'", "1577836799999"), ErrorCode.INVALID_FIELD),
                arguments("event at time 0", event("'" + ID + "'", "'ring'", "0"), ErrorCode.INVALID_FIELD),
                arguments(
                        "event time in seconds",
                        event("'" + ID + "'", "'ring'", "1717243200"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "event after year 3000",
                        event("'" + ID + "'", "'ring'", "32503680000001"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "negative event time",
                        event("'" + ID + "'", "'ring'", "-1717243200000"),
                        ErrorCode.INVALID_FIELD),
                arguments("heartbeatSeconds 0", welcome("1", "0"), ErrorCode.INVALID_FIELD),
                arguments("heartbeatSeconds above limit", welcome("1", "3601"), ErrorCode.INVALID_FIELD),
                arguments(
                        "heartbeatSeconds that wraps to 1 as int", welcome("1", "4294967297"), ErrorCode.INVALID_FIELD),
                arguments("welcome version 0", welcome("0", "30"), ErrorCode.INVALID_FIELD),
                arguments(
                        "welcome version that wraps to 1 as int", welcome("4294967297", "30"), ErrorCode.INVALID_FIELD),
                arguments("negative welcome version", welcome("-1", "30"), ErrorCode.INVALID_FIELD),
                // hello
                arguments("no versions", hello("[]", "'a'", "'normal'"), ErrorCode.INVALID_FIELD),
                arguments(
                        "too many versions", hello("[1,2,3,4,5,6,7,8,9]", "'a'", "'normal'"), ErrorCode.INVALID_FIELD),
                arguments("version 0", hello("[0]", "'a'", "'normal'"), ErrorCode.INVALID_FIELD),
                arguments("negative version", hello("[1,-1]", "'a'", "'normal'"), ErrorCode.INVALID_FIELD),
                arguments("version beyond int", hello("[4294967297]", "'a'", "'normal'"), ErrorCode.INVALID_FIELD),
                arguments("versions not an array", hello("1", "'a'", "'normal'"), ErrorCode.MALFORMED),
                arguments("version as string", hello("['1']", "'a'", "'normal'"), ErrorCode.MALFORMED),
                arguments("version as fraction", hello("[1.5]", "'a'", "'normal'"), ErrorCode.MALFORMED),
                arguments("empty agent", hello("[1]", "''", "'normal'"), ErrorCode.INVALID_FIELD),
                arguments("agent with a line break", hello("[1]", "'a\\nb'", "'normal'"), ErrorCode.INVALID_FIELD),
                arguments("agent with markup", hello("[1]", "'<b>'", "'normal'"), ErrorCode.INVALID_FIELD),
                arguments("agent too long", hello("[1]", "'" + "a".repeat(65) + "'", "'normal'"), ErrorCode.TOO_LARGE),
                arguments("unknown mode", hello("[1]", "'a'", "'admin'"), ErrorCode.INVALID_FIELD),
                arguments("mode in upper case", hello("[1]", "'a'", "'CLAIM'"), ErrorCode.INVALID_FIELD),
                // ids
                arguments(
                        "id too short",
                        event("'" + ID.substring(1) + "'", "'ring'", "1717243200000"),
                        ErrorCode.INVALID_FIELD),
                arguments("id too long", event("'" + ID + "x'", "'ring'", "1717243200000"), ErrorCode.INVALID_FIELD),
                arguments(
                        "id with base64 characters",
                        event("'" + ID.substring(2) + "+/'", "'ring'", "1717243200000"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "id with a non-ASCII letter",
                        message("event-ack", "{'eventId':'" + ID.substring(1) + "é'}"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "id far too long",
                        message("event-ack", "{'eventId':'" + "a".repeat(65) + "'}"),
                        ErrorCode.TOO_LARGE),
                arguments(
                        "bad deviceId",
                        message("welcome", "{'version':1,'deviceId':'../etc','heartbeatSeconds':30}"),
                        ErrorCode.INVALID_FIELD),
                arguments("bad ticket", claimRequest("'ticket'", "'AAAA'", "'AAAA'"), ErrorCode.INVALID_FIELD),
                // enums
                arguments(
                        "unknown event kind",
                        event("'" + ID + "'", "'doorbell'", "1717243200000"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "event kind in enum spelling",
                        event("'" + ID + "'", "'DOOR_OPENED'", "1717243200000"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "unknown refusal reason",
                        message("claim-refused", "{'reason':'nope'}"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "refusal reason in enum spelling",
                        message("claim-refused", "{'reason':'WRONG_CODE'}"),
                        ErrorCode.INVALID_FIELD),
                // binary
                arguments("empty binary", claimRequest("'" + ID + "'", "''", "'AAAA'"), ErrorCode.INVALID_FIELD),
                arguments(
                        "standard base64 alphabet",
                        claimRequest("'" + ID + "'", "'ab+/'", "'AAAA'"),
                        ErrorCode.INVALID_FIELD),
                arguments("base64 padding", claimRequest("'" + ID + "'", "'AAAA'", "'AAA='"), ErrorCode.INVALID_FIELD),
                arguments(
                        "impossible base64 length",
                        claimRequest("'" + ID + "'", "'AAAAA'", "'AAAA'"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "binary with spaces",
                        message("claim-confirm", "{'deviceEvidence':'AA AA'}"),
                        ErrorCode.INVALID_FIELD),
                arguments(
                        "binary too long",
                        message("claim-challenge", "{'hubPublicValue':'" + "A".repeat(513) + "','hubEvidence':'AAAA'}"),
                        ErrorCode.TOO_LARGE),
                // certificates
                arguments("PEM that is no PEM", claimAccepted("'hello'"), ErrorCode.INVALID_FIELD),
                arguments("PEM private key", claimAccepted(pemKey), ErrorCode.INVALID_FIELD),
                arguments("PEM with leading space", claimAccepted(quoted(" " + Samples.PEM)), ErrorCode.INVALID_FIELD),
                arguments(
                        "PEM too long",
                        claimAccepted(quoted(Samples.PEM + "A".repeat(Limits.MAX_PEM_CHARS))),
                        ErrorCode.TOO_LARGE),
                // text lengths
                arguments(
                        "detail too long",
                        eventWithDetail("'" + "d".repeat(Limits.MAX_DETAIL_CHARS + 1) + "'"),
                        ErrorCode.TOO_LARGE),
                arguments(
                        "error message too long",
                        message("error", "{'code':'internal','message':'" + "m".repeat(257) + "'}"),
                        ErrorCode.TOO_LARGE),
                // nesting
                arguments("deeply nested versions", hello("[[[[1]]]]", "'a'", "'normal'"), ErrorCode.MALFORMED),
                arguments(
                        "deeply nested field",
                        message("heartbeat", "{'seq':{'a':{'b':{'c':1}}}}"),
                        ErrorCode.MALFORMED),
                arguments("deep nesting", "[".repeat(3_000) + "]".repeat(3_000), ErrorCode.MALFORMED),
                arguments(
                        "deep nesting in an object",
                        "{\"a\":".repeat(1_000) + "1" + "}".repeat(1_000),
                        ErrorCode.MALFORMED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isRefusedWithTheRightCode(String name, String text, ErrorCode expected) {
        assertThatExceptionOfType(ProtocolException.class)
                .isThrownBy(() -> LinkCodec.decode(text))
                .satisfies(e -> assertThat(e.code()).as(name).isEqualTo(expected))
                .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
    }

    @Test
    void nullIsRefused() {
        assertThatExceptionOfType(ProtocolException.class)
                .isThrownBy(() -> LinkCodec.decode(null))
                .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void aMessageOfExactlyTheLimitIsAcceptedAndOneCharacterMoreIsRefused() throws ProtocolException {
        String valid = LinkCodec.encode(Samples.oneOfEach().get(1));
        String atLimit = valid + " ".repeat(Limits.MAX_TEXT_MESSAGE_CHARS - valid.length());
        assertThat(atLimit).hasSize(Limits.MAX_TEXT_MESSAGE_CHARS);
        assertThat(LinkCodec.decode(atLimit)).isEqualTo(Samples.oneOfEach().get(1));

        assertThatExceptionOfType(ProtocolException.class)
                .isThrownBy(() -> LinkCodec.decode(atLimit + " "))
                .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE));
    }

    /** The size check comes before the parser: deep nesting this large would otherwise be MALFORMED. */
    @Test
    void aHugeMessageIsRefusedBeforeParsing() {
        String huge = "[".repeat(10 * 1024 * 1024);
        String hugeString = "{\"v\":1,\"type\":\"event\",\"body\":{\"detail\":\"" + "x".repeat(10 * 1024 * 1024);
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            for (int i = 0; i < 1_000; i++) {
                for (String text : new String[] {huge, hugeString}) {
                    assertThatExceptionOfType(ProtocolException.class)
                            .isThrownBy(() -> LinkCodec.decode(text))
                            .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE));
                }
            }
        });
    }

    static Stream<Arguments> withCanary() {
        String c = CANARY;
        return Stream.of(
                arguments("not JSON", c + "{"),
                arguments("unknown type", message(c, "{}")),
                arguments("type too long", message(c.repeat(5), "{}")),
                arguments("unknown field name", message("heartbeat", "{'seq':1,'" + c + "':1}")),
                arguments("unknown envelope field", json("{'v':1,'type':'heartbeat','body':{},'" + c + "':1}")),
                arguments("unknown event kind", event("'" + ID + "'", "'" + c + "'", "1717243200000")),
                arguments("bad id", event("'" + c + "'", "'ring'", "1717243200000")),
                arguments("long id", message("event-ack", "{'eventId':'" + c.repeat(7) + "'}")),
                arguments("unknown mode", hello("[1]", "'a'", "'" + c + "'")),
                arguments("bad agent", hello("[1]", "'" + c + "<'", "'normal'")),
                arguments("long agent", hello("[1]", "'" + c.repeat(7) + "'", "'normal'")),
                arguments("unknown refusal", message("claim-refused", "{'reason':'" + c + "'}")),
                arguments("bad binary", message("claim-confirm", "{'deviceEvidence':'" + c + "='}")),
                arguments("bad PEM", claimAccepted("'" + c + "'")),
                arguments("long detail", eventWithDetail("'" + c.repeat(30) + "'")),
                arguments("bad version", json("{'v':" + 7_318_273 + ",'type':'heartbeat','body':{}}")),
                arguments("bad seq", message("heartbeat", "{'seq':-7318273}")),
                arguments("bad heartbeatSeconds", welcome("1", "7318273")),
                arguments("bad time", event("'" + ID + "'", "'ring'", "7318273")),
                arguments("too large", c + " ".repeat(Limits.MAX_TEXT_MESSAGE_CHARS)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withCanary")
    void errorsNeverEchoTheOffendingValue(String name, String text) {
        assertThatExceptionOfType(ProtocolException.class)
                .isThrownBy(() -> LinkCodec.decode(text))
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain(CANARY)
                        .doesNotContain("CANARY")
                        .doesNotContain("7318273"));
    }
}
