package dev.doorward.device.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CongestionGateTest {
    private final List<ByteBuffer> sent = new ArrayList<>();
    private final AtomicLong backlog = new AtomicLong();
    private final CongestionGate gate = new CongestionGate(sent::add, backlog::get, 1000);

    private void frame(MediaPart.Kind kind, boolean keyframe, int bytes) {
        MediaPart.split(kind, keyframe, new byte[bytes]).forEach(gate);
    }

    @Test
    void passesEverythingWhileTheLinkKeepsUp() {
        frame(MediaPart.Kind.VIDEO, true, 20_000);
        frame(MediaPart.Kind.AUDIO, false, 700);
        frame(MediaPart.Kind.VIDEO, false, 3_000);
        assertThat(sent).hasSize(3 + 1 + 1);
        assertThat(gate.droppedFrames()).isZero();
    }

    @Test
    void dropsWholeFramesWhenCongestedAndWaitsForAKeyframeAfterwards() {
        frame(MediaPart.Kind.VIDEO, true, 20_000);
        backlog.set(5_000);
        frame(MediaPart.Kind.VIDEO, false, 20_000);
        frame(MediaPart.Kind.AUDIO, false, 700);
        backlog.set(0);
        // Uncongested again, but a P-frame without its predecessor would decode to garbage: dropped too.
        frame(MediaPart.Kind.VIDEO, false, 3_000);
        frame(MediaPart.Kind.AUDIO, false, 700);
        frame(MediaPart.Kind.VIDEO, true, 20_000);

        List<MediaPart> parts = sent.stream().map(MediaPart::decode).toList();
        assertThat(parts).hasSize(3 + 1 + 3);
        assertThat(parts.subList(0, 3)).allMatch(MediaPart::keyframe);
        assertThat(parts.get(3).kind()).isEqualTo(MediaPart.Kind.AUDIO);
        assertThat(parts.subList(4, 7)).allMatch(p -> p.keyframe() && p.kind() == MediaPart.Kind.VIDEO);
        assertThat(gate.droppedFrames()).isEqualTo(3);
    }

    @Test
    void aFrameStartedIsSentWholeEvenIfTheBacklogGrowsMidFrame() {
        List<ByteBuffer> parts = MediaPart.split(MediaPart.Kind.VIDEO, true, new byte[20_000]);
        gate.accept(parts.get(0));
        backlog.set(10_000);
        gate.accept(parts.get(1));
        gate.accept(parts.get(2));
        assertThat(sent).hasSize(3);
    }
}
