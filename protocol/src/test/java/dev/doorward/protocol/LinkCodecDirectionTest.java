package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.util.List;
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
}
