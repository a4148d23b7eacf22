package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.protocol.MediaPart.Kind;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MediaPartTest {

    @Test
    void aSmallFrameIsOnePartWithBothFlags() {
        List<ByteBuffer> parts = MediaPart.split(Kind.AUDIO, false, new byte[] {9, 8, 7});

        assertThat(parts).hasSize(1);
        ByteBuffer only = parts.get(0);
        assertThat(only.remaining()).isEqualTo(5);
        assertThat(only.get(0)).isEqualTo((byte) 2);
        assertThat(only.get(1)).isEqualTo((byte) 0x03);
        MediaPart part = MediaPart.decode(only);
        assertThat(part.kind()).isEqualTo(Kind.AUDIO);
        assertThat(part.first()).isTrue();
        assertThat(part.last()).isTrue();
        assertThat(part.keyframe()).isFalse();
    }

    @Test
    void aLargeFrameIsCutIntoBoundedPartsAndReassembled() {
        byte[] frame = new byte[3 * MediaPart.MAX_PAYLOAD_BYTES + 17];
        new Random(1).nextBytes(frame);

        List<ByteBuffer> parts = MediaPart.split(Kind.VIDEO, true, frame);

        assertThat(parts).hasSize(4);
        assertThat(parts).allSatisfy(p -> assertThat(p.remaining()).isLessThanOrEqualTo(MediaPart.MAX_BYTES));
        MediaPart.Assembler assembler = new MediaPart.Assembler(1 << 20);
        byte[] whole = null;
        for (int i = 0; i < parts.size(); i++) {
            MediaPart part = MediaPart.decode(parts.get(i));
            assertThat(part.keyframe()).isTrue();
            assertThat(part.first()).isEqualTo(i == 0);
            assertThat(part.last()).isEqualTo(i == parts.size() - 1);
            whole = assembler.add(part);
            assertThat(whole == null).isEqualTo(i < parts.size() - 1);
        }
        assertThat(whole).isEqualTo(frame);
    }

    @Test
    void refusesMalformedMessages() {
        assertThatThrownBy(() -> MediaPart.decode(ByteBuffer.wrap(new byte[] {1, 3})))
                .hasMessageContaining("3 to");
        assertThatThrownBy(() -> MediaPart.decode(ByteBuffer.allocate(MediaPart.MAX_BYTES + 1)))
                .hasMessageContaining("3 to");
        assertThatThrownBy(() -> MediaPart.decode(ByteBuffer.wrap(new byte[] {9, 3, 0})))
                .hasMessage("unknown media kind");
        assertThatThrownBy(() -> MediaPart.decode(ByteBuffer.wrap(new byte[] {1, 8, 0})))
                .hasMessage("unknown media part flags");
    }

    @Test
    void theAssemblerRefusesPartsOutOfOrderAndOversizedFrames() {
        MediaPart.Assembler assembler = new MediaPart.Assembler(10);
        MediaPart middle = new MediaPart(Kind.VIDEO, false, false, false, ByteBuffer.wrap(new byte[] {1}));
        MediaPart first = new MediaPart(Kind.VIDEO, true, false, false, ByteBuffer.wrap(new byte[] {1}));
        MediaPart whole = new MediaPart(Kind.VIDEO, true, true, false, ByteBuffer.wrap(new byte[] {5}));

        assertThatThrownBy(() -> assembler.add(middle)).hasMessageContaining("without a first part");
        assembler.add(first);
        assertThatThrownBy(() -> assembler.add(first)).hasMessageContaining("before the previous one ended");
        // After a broken frame the next whole frame comes through intact.
        assertThat(assembler.add(whole)).containsExactly(5);
        assembler.add(first);
        assertThatThrownBy(() -> assembler.add(new MediaPart(Kind.VIDEO, false, true, false, ByteBuffer.allocate(10))))
                .hasMessageContaining("larger than");
        assertThat(assembler.add(whole)).containsExactly(5);
    }
}
