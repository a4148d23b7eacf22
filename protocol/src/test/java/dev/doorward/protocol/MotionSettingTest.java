package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The owner's motion setting: one spelling, round trips, and everything else refused as invalid-field. */
class MotionSettingTest {
    @ParameterizedTest
    @ValueSource(strings = {"on", "off", "on;0,6,16,6", "off;0,0,1,1", "on;0,0,16,12;3,4,2,2;15,11,1,1"})
    void aSettingReadsAndFormatsToTheSameBytes(String text) throws ProtocolException {
        assertThat(MotionSetting.parse(text).format()).isEqualTo(text);
    }

    @Test
    void zonesAreGridCells() throws ProtocolException {
        MotionSetting setting = MotionSetting.parse("on;0,6,16,6;2,0,3,3");
        assertThat(setting.enabled()).isTrue();
        assertThat(setting.zones())
                .containsExactly(new MotionSetting.Zone(0, 6, 16, 6), new MotionSetting.Zone(2, 0, 3, 3));
        assertThat(new MotionSetting(false, List.of()).format()).isEqualTo("off");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "On",
                "yes",
                "on;",
                "on;1,2,3",
                "on;1,2,3,4,5",
                "on;0,0,17,1",
                "on;0,0,16,13",
                "on;15,0,2,1",
                "on;0,11,1,2",
                "on;0,0,0,1",
                "on;-1,0,1,1",
                "on;01,0,1,1",
                "on;a,0,1,1",
                "on;1.5,0,1,1",
                "on; 1,0,1,1",
                "on;0,0,1,1;0,0,1,1;0,0,1,1;0,0,1,1;0,0,1,1;0,0,1,1;0,0,1,1;0,0,1,1;0,0,1,1",
                "on:0,0,1,1",
            })
    void anythingElseIsAnInvalidField(String text) {
        assertThatExceptionOfType(ProtocolException.class)
                .isThrownBy(() -> MotionSetting.parse(text))
                .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
    }

    @Test
    void theStatementCarriesTheSettingAndTheCodecChecksItsShape() throws ProtocolException {
        String statement = "doorward-motion:1:" + Samples.DEVICE_ID + ":1767225600000:on;0,6,16,6";
        assertThat(MotionSetting.ofStatement(statement).format()).isEqualTo("on;0,6,16,6");
        for (String bad : List.of(
                "doorward-cooling-off:1:" + Samples.DEVICE_ID + ":1767225600000:0",
                "doorward-motion:1:" + Samples.DEVICE_ID + ":1767225600000",
                "doorward-motion:1:" + Samples.DEVICE_ID + ":soon:on",
                "doorward-motion:1:" + Samples.DEVICE_ID + ":1767225600000:on;0,0,99,1",
                "doorward-motion:1:" + Samples.DEVICE_ID + ":1767225600000:on:extra")) {
            String wire = "{\"v\":1,\"type\":\"set-motion\",\"body\":{\"statement\":\"" + bad
                    + "\",\"signature\":\"c2ln\",\"signerPublicKey\":\"a2V5\"}}";
            assertThatExceptionOfType(ProtocolException.class)
                    .as(bad)
                    .isThrownBy(() -> LinkCodec.decodeFromHub(wire))
                    .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        }
    }

    @Test
    void theDoorbellReportsTheSettingItApplied() throws ProtocolException {
        assertThat(EventDetail.motionSetting("motion=on;1,1,2,2").zones()).hasSize(1);
        EventDetail.check(EventKind.SETTING_CHANGED, "motion=off");
        EventDetail.check(EventKind.SETTING_CHANGED, "cooling-off=5");
        for (String bad : List.of("motion=", "motion=maybe", "motion=on;0,0,0,0", "motion")) {
            assertThatExceptionOfType(ProtocolException.class)
                    .as(bad)
                    .isThrownBy(() -> EventDetail.check(EventKind.SETTING_CHANGED, bad))
                    .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        }
    }
}
