package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.protocol.LinkMessage.ClaimChallenge;
import dev.doorward.protocol.LinkMessage.ClaimConfirm;
import dev.doorward.protocol.LinkMessage.ClaimRequest;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.Heartbeat;
import dev.doorward.protocol.LinkMessage.LinkError;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LinkCodecRoundTripTest {

    static List<LinkMessage> oneOfEach() {
        return Samples.oneOfEach();
    }

    static Stream<LinkMessage> variants() {
        return Samples.variants().stream();
    }

    @ParameterizedTest
    @MethodSource("oneOfEach")
    void everyMessageTypeSurvivesARoundTrip(LinkMessage message) throws ProtocolException {
        assertThat(LinkCodec.decode(LinkCodec.encode(message))).isEqualTo(message);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void edgeCasesSurviveARoundTrip(LinkMessage message) throws ProtocolException {
        assertThat(LinkCodec.decode(LinkCodec.encode(message))).isEqualTo(message);
    }

    @Test
    void theSampleListHasExactlyOneMessageOfEachType() {
        Map<String, Long> samplesPerType =
                oneOfEach().stream().collect(Collectors.groupingBy(LinkMessage::type, Collectors.counting()));
        for (MessageType type : MessageType.values()) {
            assertThat(samplesPerType)
                    .as("Samples.oneOfEach() needs exactly one sample of '%s'", type.wireName())
                    .containsEntry(type.wireName(), 1L);
        }
        assertThat(samplesPerType).hasSize(MessageType.values().length);
    }

    @Test
    void directionFlagsAgreeWithTheSealedInterfaces() {
        for (LinkMessage message : oneOfEach()) {
            MessageType type = MessageType.of(message);
            assertThat(type.sentByDevice()).as(type.wireName()).isEqualTo(message instanceof LinkMessage.FromDevice);
            assertThat(type.sentByHub()).as(type.wireName()).isEqualTo(message instanceof LinkMessage.FromHub);
            assertThat(type.sentByDevice() || type.sentByHub()).isTrue();
        }
    }

    /** Wire names are the protocol: renaming a constant must not silently change what goes on the wire. */
    @Test
    void wireNamesAreStable() {
        assertThat(Arrays.stream(MessageType.values()).map(MessageType::wireName))
                .containsExactly(
                        "hello",
                        "heartbeat",
                        "claim-request",
                        "claim-confirm",
                        "event",
                        "renew-certificate",
                        "roster-status",
                        "roster-refused",
                        "media-key",
                        "door-nonce",
                        "media-upload",
                        "door-result",
                        "roster",
                        "door-nonce-request",
                        "door-open",
                        "media-stored",
                        "live",
                        "chime-silence",
                        "welcome",
                        "heartbeat-ack",
                        "claim-challenge",
                        "claim-accepted",
                        "event-ack",
                        "certificate-renewed",
                        "reset-veto",
                        "release",
                        "set-cooling-off",
                        "set-motion",
                        "claim-refused",
                        "error");
        assertThat(Arrays.stream(EventKind.values()).map(EventKind::wireName))
                .containsExactly(
                        "ring",
                        "motion",
                        "tamper",
                        "door-opened",
                        "pairing-mode",
                        "claim-refused",
                        "reset-pending",
                        "reset-cancelled",
                        "reset-completed",
                        "released",
                        "setting-changed",
                        "camera-offline",
                        "camera-online");
        assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::wireName))
                .containsExactly(
                        "malformed",
                        "too-large",
                        "unknown-type",
                        "unsupported-version",
                        "invalid-field",
                        "not-allowed",
                        "rate-limited",
                        "internal");
        assertThat(Arrays.stream(LinkMessage.Mode.values()).map(LinkMessage.Mode::wireName))
                .containsExactly("normal", "claim");
        assertThat(Arrays.stream(LinkMessage.ClaimRefusal.values()).map(LinkMessage.ClaimRefusal::wireName))
                .containsExactly("wrong-code", "ticket-invalid", "already-owned", "too-many-attempts", "not-pairing");
    }

    @Test
    void errorCodesRoundTripThroughTheirWireNamesAndUnknownOnesBecomeInternal() {
        assertThat(Arrays.stream(ErrorCode.values())
                        .collect(Collectors.toMap(ErrorCode::wireName, Function.identity())))
                .allSatisfy((wire, code) -> assertThat(ErrorCode.fromWire(wire)).isEqualTo(code));
        assertThat(ErrorCode.fromWire("no-such-code")).isEqualTo(ErrorCode.INTERNAL);
        assertThat(ErrorCode.fromWire(null)).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void envelopeLayoutIsPinned() {
        assertThat(LinkCodec.encode(new Heartbeat(7)))
                .isEqualTo("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"seq\":7}}");
        assertThat(LinkCodec.encode(
                        new DeviceEvent(Samples.EVENT_ID, EventKind.DOOR_OPENED, Samples.OCCURRED_AT, null)))
                .isEqualTo("{\"v\":1,\"type\":\"event\",\"body\":{\"eventId\":\"" + Samples.EVENT_ID
                        + "\",\"kind\":\"door-opened\",\"occurredAt\":" + Samples.OCCURRED_AT + "}}");
    }

    @Test
    void binaryFieldsAreBase64UrlWithoutPaddingAndDecodeBack() throws ProtocolException {
        byte[] salt = {(byte) 0xfb, (byte) 0xff, 0x00};
        byte[] value = {(byte) 0xfe, (byte) 0xbf};
        ClaimRequest request = ClaimRequest.of(Samples.TICKET, salt, value);
        assertThat(request.salt()).isEqualTo("-_8A");
        assertThat(request.devicePublicValue()).isEqualTo("_r8");

        ClaimRequest decoded = (ClaimRequest) LinkCodec.decode(LinkCodec.encode(request));
        assertThat(decoded.saltBytes()).isEqualTo(salt);
        assertThat(decoded.devicePublicValueBytes()).isEqualTo(value);

        byte[] evidence = Samples.bytes(32, 11);
        assertThat(((ClaimConfirm) LinkCodec.decode(LinkCodec.encode(ClaimConfirm.of(evidence)))).deviceEvidenceBytes())
                .isEqualTo(evidence);
        ClaimChallenge challenge = (ClaimChallenge)
                LinkCodec.decode(LinkCodec.encode(ClaimChallenge.of(Samples.bytes(256, 12), evidence)));
        assertThat(challenge.hubPublicValueBytes()).isEqualTo(Samples.bytes(256, 12));
        assertThat(challenge.hubEvidenceBytes()).isEqualTo(evidence);
    }

    @Test
    void anOverlongErrorMessageIsTruncatedSoThePeerAcceptsIt() throws ProtocolException {
        String encoded = LinkCodec.encode(new LinkError(ErrorCode.INTERNAL, "e".repeat(1000)));
        assertThat(((LinkError) LinkCodec.decode(encoded)).message()).hasSize(Limits.MAX_DETAIL_CHARS);
    }

    @Test
    void helloCopiesItsVersionList() {
        List<Integer> versions = new java.util.ArrayList<>(List.of(1));
        LinkMessage.Hello hello = new LinkMessage.Hello(versions, "agent", LinkMessage.Mode.NORMAL);
        versions.add(2);
        assertThat(hello.versions()).containsExactly(1);
    }
}
