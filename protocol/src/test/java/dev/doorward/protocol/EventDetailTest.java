package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Poison events (issue 19): a detail the hub acts on but cannot read is refused by the codec as
 * {@code invalid-field}, so the hub never fails on it inside and the doorbell never resends it forever.
 */
class EventDetailTest {
    private static String event(String kind, String detail) {
        String detailMember = detail == null ? "" : ",\"detail\":\"" + detail + "\"";
        return "{\"v\":1,\"type\":\"event\",\"body\":{\"eventId\":\"" + Samples.EVENT_ID + "\",\"kind\":\"" + kind
                + "\",\"occurredAt\":1717243200000" + detailMember + "}}";
    }

    @ParameterizedTest
    @CsvSource(
            nullValues = "NULL",
            value = {
                "reset-pending, until=x",
                "reset-pending, NULL",
                "reset-pending, until=",
                "reset-pending, until=-5",
                "reset-pending, until=+5",
                "reset-pending, until=0017",
                "reset-pending, until=1",
                "reset-pending, until=99999999999999999999",
                "reset-pending, until=17172432000a0",
                "reset-pending, deadline=1717243200000",
                "setting-changed, cooling-off=x",
                "setting-changed, cooling-off=",
                "setting-changed, cooling-off=-1",
                "setting-changed, cooling-off=2592001",
                "setting-changed, cooling-off=1e3",
                "setting-changed, NULL",
                "setting-changed, volume=3",
                "claim-refused, ticket:short",
                "claim-refused, ticket:",
                "claim-refused, NULL",
                "claim-refused, somebody",
            })
    void malformedDetailsOfEventsTheHubActsOnAreInvalidFields(String kind, String detail) {
        assertThatExceptionOfType(ProtocolException.class)
                .isThrownBy(() -> LinkCodec.decodeFromDevice(event(kind, detail)))
                .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD))
                // Never echoes what it refused.
                .satisfies(
                        e -> assertThat(e.getMessage()).doesNotContain("99999").doesNotContain("somebody"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "motion", "tamper", "door-opened", "pairing-mode", "released"})
    void otherKindsKeepFreeTextDetails(String kind) throws ProtocolException {
        assertThat(LinkCodec.decodeFromDevice(event(kind, "until=x"))).isInstanceOf(LinkMessage.DeviceEvent.class);
        assertThat(LinkCodec.decodeFromDevice(event(kind, null))).isInstanceOf(LinkMessage.DeviceEvent.class);
    }

    @Test
    void wellFormedDetailsAreReadInOnePlace() throws ProtocolException {
        assertThat(EventDetail.resetUntil("until=1717243200000")).isEqualTo(1_717_243_200_000L);
        assertThat(EventDetail.coolingOffSeconds("cooling-off=0")).isZero();
        assertThat(EventDetail.coolingOffSeconds("cooling-off=2592000")).isEqualTo(2_592_000L);
        assertThat(EventDetail.claimRefusedTicket("ticket:" + Samples.TICKET)).isEqualTo(Samples.TICKET);
        assertThat(EventDetail.claimRefusedTicket("foreign-hub")).isNull();
    }

    @Test
    void anErrorNamesTheRefusedEventAndHowLongToWait() throws ProtocolException {
        String text = LinkCodec.encode(LinkMessage.LinkError.rateLimited(Samples.EVENT_ID, 1_500));
        LinkMessage.LinkError error = (LinkMessage.LinkError) LinkCodec.decodeFromHub(text);
        assertThat(error.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(error.eventId()).isEqualTo(Samples.EVENT_ID);
        assertThat(error.retryAfterMillis()).isEqualTo(1_500);
        // An old-style error (no event, no wait) still reads.
        LinkMessage.LinkError plain = (LinkMessage.LinkError) LinkCodec.decodeFromHub(
                "{\"v\":1,\"type\":\"error\",\"body\":{\"code\":\"internal\",\"message\":\"x\"}}");
        assertThat(plain.eventId()).isNull();
        assertThat(plain.retryAfterMillis()).isZero();
        // A wait beyond an hour or an id that is not one is refused.
        assertThatExceptionOfType(ProtocolException.class)
                .isThrownBy(() -> LinkCodec.decodeFromHub(
                        "{\"v\":1,\"type\":\"error\",\"body\":{\"code\":\"rate-limited\",\"message\":\"x\","
                                + "\"retryAfterMs\":3600001}}"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        assertThatExceptionOfType(ProtocolException.class)
                .isThrownBy(() -> LinkCodec.decodeFromHub(
                        "{\"v\":1,\"type\":\"error\",\"body\":{\"code\":\"internal\",\"message\":\"x\","
                                + "\"eventId\":\"nope\"}}"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
    }
}
