package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.protocol.MediaPart.Kind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameGateTest {
    private boolean congested;

    /** Sends one frame of three parts; returns which passed. */
    private static List<Boolean> frame(FrameGate gate, Kind kind, boolean keyframe) {
        List<Boolean> passed = new ArrayList<>();
        passed.add(gate.pass(kind, true, false, keyframe));
        passed.add(gate.pass(kind, false, false, keyframe));
        passed.add(gate.pass(kind, false, true, keyframe));
        return passed;
    }

    @Test
    void congestionDropsWholeFramesAndVideoThenWaitsForAKeyframe() {
        FrameGate gate = new FrameGate(() -> congested, false);
        assertThat(frame(gate, Kind.VIDEO, true)).containsOnly(true);
        assertThat(frame(gate, Kind.VIDEO, false)).containsOnly(true);

        congested = true;
        assertThat(frame(gate, Kind.VIDEO, false)).containsOnly(false);
        assertThat(frame(gate, Kind.AUDIO, false)).containsOnly(false);

        congested = false;
        // Audio needs no keyframe; video does, after a dropped frame.
        assertThat(frame(gate, Kind.AUDIO, false)).containsOnly(true);
        assertThat(frame(gate, Kind.VIDEO, false)).containsOnly(false);
        assertThat(frame(gate, Kind.VIDEO, true)).containsOnly(true);
        assertThat(frame(gate, Kind.VIDEO, false)).containsOnly(true);
    }

    @Test
    void congestionIsAskedOnlyAtAFramesFirstPart() {
        FrameGate gate = new FrameGate(() -> congested, false);
        assertThat(gate.pass(Kind.VIDEO, true, false, true)).isTrue();
        congested = true;
        // The frame under way is finished whole.
        assertThat(gate.pass(Kind.VIDEO, false, true, true)).isTrue();
        assertThat(gate.pass(Kind.VIDEO, true, true, true)).isFalse();
    }

    @Test
    void aViewerJoiningMidStreamStartsAtAKeyframeAndNeverMidFrame() {
        FrameGate gate = new FrameGate(() -> congested, true);
        // The rest of a frame it did not see begin.
        assertThat(gate.pass(Kind.VIDEO, false, true, true)).isFalse();
        assertThat(gate.pass(Kind.AUDIO, false, true, false)).isFalse();
        assertThat(frame(gate, Kind.VIDEO, false)).containsOnly(false);
        assertThat(frame(gate, Kind.AUDIO, false)).containsOnly(true);
        assertThat(frame(gate, Kind.VIDEO, true)).containsOnly(true);
    }

    @Test
    void aSinglePartFrameIsFirstAndLast() {
        FrameGate gate = new FrameGate(() -> congested, false);
        assertThat(gate.pass(Kind.AUDIO, true, true, false)).isTrue();
        assertThat(gate.pass(Kind.AUDIO, false, true, false)).isFalse();
    }
}
