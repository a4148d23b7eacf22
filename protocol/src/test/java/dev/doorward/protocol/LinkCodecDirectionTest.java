package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LinkCodecDirectionTest {

    static List<LinkMessage> messages() {
        return Samples.oneOfEach();
    }

    @ParameterizedTest
    @MethodSource("messages")
    void theHubAcceptsOnlyWhatADeviceMaySend(LinkMessage message) throws ProtocolException {
        String text = LinkCodec.encode(message);
        if (MessageType.of(message).sentByDevice()) {
            assertThat(LinkCodec.decodeFromDevice(text)).isEqualTo(message);
        } else {
            assertThatExceptionOfType(ProtocolException.class)
                    .isThrownBy(() -> LinkCodec.decodeFromDevice(text))
                    .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ALLOWED));
        }
    }

    @ParameterizedTest
    @MethodSource("messages")
    void theDeviceAcceptsOnlyWhatTheHubMaySend(LinkMessage message) throws ProtocolException {
        String text = LinkCodec.encode(message);
        if (MessageType.of(message).sentByHub()) {
            assertThat(LinkCodec.decodeFromHub(text)).isEqualTo(message);
        } else {
            assertThatExceptionOfType(ProtocolException.class)
                    .isThrownBy(() -> LinkCodec.decodeFromHub(text))
                    .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_ALLOWED));
        }
    }

    @Test
    void aRosterLargerThanADeviceMessageReachesTheDeviceButNoDeviceMessageMayBeThatLarge() throws Exception {
        String big = "x".repeat(Limits.MAX_TEXT_MESSAGE_CHARS + 100);
        String roster = LinkCodec.encode(new LinkMessage.RosterUpdate(big, "c2ln", "a2V5"));
        String status = LinkCodec.encode(new LinkMessage.RosterRefused(1, "r"))
                .replace("\"r\"", "\"r\"" + " ".repeat(Limits.MAX_TEXT_MESSAGE_CHARS));

        org.assertj.core.api.Assertions.assertThat(LinkCodec.decodeFromHub(roster))
                .isEqualTo(new LinkMessage.RosterUpdate(big, "c2ln", "a2V5"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinkCodec.decodeFromDevice(status))
                .isInstanceOfSatisfying(
                        ProtocolException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.code())
                                .isEqualTo(ErrorCode.TOO_LARGE));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinkCodec.decodeFromHub(LinkCodec.encode(
                        new LinkMessage.RosterUpdate("y".repeat(Roster.MAX_TEXT_CHARS + 1), "c2ln", "a2V5"))))
                .isInstanceOfSatisfying(
                        ProtocolException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.code())
                                .isEqualTo(ErrorCode.TOO_LARGE));
    }
}
