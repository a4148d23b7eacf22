package dev.doorward.device.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.media.MediaKeyWrap.Envelope;
import dev.doorward.crypto.sframe.SFrameException;
import dev.doorward.device.camera.SyntheticCamera;
import dev.doorward.device.media.TestHousehold.Client;
import dev.doorward.protocol.MediaPart;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole doorbell → viewer path with real keys, real SFrame and a real H.264 decoder: streamer, parts,
 * envelope unwrapped with the client's private key, frames opened and decoded. Ticks are driven by hand,
 * so every frame is deterministic.
 */
class LivePipelineTest {
    private final MutableClock clock = new MutableClock();
    private final List<Client> clients = TestHousehold.sorted(List.of(TestHousehold.client(), TestHousehold.client()));
    private final MediaEpochs epochs = new MediaEpochs(TestHousehold.DEVICE_ID, clock, TestHousehold.RANDOM);
    private final List<ByteBuffer> wire = new ArrayList<>();
    private final SyntheticMicrophone microphone = new SyntheticMicrophone(clock, false);
    private final LiveStreamer streamer = LiveStreamer.builder(
                    new SyntheticCamera(clock, "DW-TEST-0001"), new JcodecVideoEncoder(), epochs, wire::add)
            .clock(clock)
            .microphone(microphone)
            .threadFactory(null)
            .build();

    /** One frame: the device clock moves on by 100 ms (10 frames/s), then the streamer ticks. */
    private List<ByteBuffer> tick() {
        clock.advance(Duration.ofMillis(100));
        int from = wire.size();
        streamer.videoTick();
        return new ArrayList<>(wire.subList(from, wire.size()));
    }

    @Test
    void aViewerOpensAndDecodesTheLivePictureAndHearsTheMicrophone() throws Exception {
        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(clients));
        long epoch = epochs.currentEpoch().orElseThrow();
        TestViewer viewer = new TestViewer(clients.get(1), 320, 240);
        viewer.keys(envelopes);

        streamer.setViewers(1);
        for (int i = 0; i < 6; i++) {
            viewer.receive(tick());
        }

        assertThat(viewer.refusals).isEmpty();
        assertThat(viewer.videos).hasSize(6);
        assertThat(viewer.videos.get(0).keyframe()).isTrue();
        assertThat(viewer.videos).allSatisfy(v -> assertThat(v.kid()).isEqualTo(epoch * 256));
        assertThat(viewer.videos).extracting(TestViewer.Video::counter).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        for (int i = 1; i < 6; i++) {
            TestViewer.Video before = viewer.videos.get(i - 1);
            TestViewer.Video after = viewer.videos.get(i);
            // The capture time inside the seal is the device clock at capture.
            assertThat(after.captureTime() - before.captureTime()).isEqualTo(100);
            // The clock (top band of the picture) shows the new time: tenths of a second changed.
            assertThat(H264TestDecoder.difference(before.picture(), after.picture(), 0, 0, 160, 28))
                    .isGreaterThan(2.0);
        }
        assertThat(viewer.videos.get(5).captureTime()).isEqualTo(clock.millis());

        microphone.open();
        long micStart = clock.millis();
        int from = wire.size();
        streamer.audioTick();
        streamer.audioTick();
        List<ByteBuffer> audioParts = wire.subList(from, wire.size());
        assertThat(audioParts).hasSize(2).allSatisfy(m -> {
            MediaPart part = MediaPart.decode(m);
            assertThat(part.kind()).isEqualTo(MediaPart.Kind.AUDIO);
            assertThat(part.first() && part.last()).isTrue();
        });
        viewer.receive(audioParts);
        assertThat(viewer.audios).hasSize(2);
        assertThat(viewer.audios.get(0).kid()).isEqualTo(epoch * 256 + 1);
        assertThat(viewer.audios.get(0).pcm()).isEqualTo(SyntheticMicrophone.samples(micStart * 16));
        assertThat(viewer.audios.get(1).pcm()).isEqualTo(SyntheticMicrophone.samples(micStart * 16 + 320));
        assertThat(viewer.audios.get(0).captureTime()).isEqualTo(clock.millis());
    }

    @Test
    void aLateJoinerGetsTheCurrentGopFromItsKeyframeAsFirstSent() throws Exception {
        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(clients));
        TestViewer first = new TestViewer(clients.get(0), 320, 240);
        first.keys(envelopes);
        streamer.setViewers(1);
        // 20 frames per GOP (2 s at 10 fps): frames 0..22 make a GOP 20..22 in progress.
        List<List<ByteBuffer>> sent = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            List<ByteBuffer> parts = tick();
            sent.add(parts);
            first.receive(parts);
        }
        assertThat(first.videos.get(20).keyframe()).isTrue();

        streamer.setViewers(2);
        List<ByteBuffer> afterJoin = tick();

        // The hub relays to both viewers from here: the cached GOP, byte for byte as first sent, then frame 23.
        List<ByteBuffer> expectedResend = new ArrayList<>();
        for (int i = 20; i < 23; i++) {
            expectedResend.addAll(sent.get(i));
        }
        assertThat(afterJoin).hasSize(expectedResend.size() + 1);
        for (int i = 0; i < expectedResend.size(); i++) {
            assertThat(afterJoin.get(i)).isEqualTo(expectedResend.get(i));
        }
        assertThat(streamer.stats().gopResends()).isEqualTo(1);

        TestViewer late = new TestViewer(clients.get(1), 320, 240);
        late.keys(envelopes);
        late.receive(afterJoin);
        assertThat(late.refusals).isEmpty();
        assertThat(late.videos).extracting(TestViewer.Video::counter).containsExactly(20L, 21L, 22L, 23L);
        assertThat(late.videos.get(0).keyframe()).isTrue();

        // The viewer who already had them drops them as replays and carries on.
        first.receive(afterJoin);
        assertThat(first.refusals).containsOnly(SFrameException.Reason.REPLAYED).hasSize(3);
        assertThat(first.videos).hasSize(24);

        // Fewer viewers: nothing is resent.
        streamer.setViewers(1);
        assertThat(tick()).hasSize(1);
    }

    @Test
    void aNewEpochForcesAKeyframeUnderTheNewKeyAndEmptiesTheCache() throws Exception {
        List<Envelope> oldEnvelopes = epochs.rotate(TestHousehold.roster(clients));
        long oldEpoch = epochs.currentEpoch().orElseThrow();
        TestViewer viewer = new TestViewer(clients.get(0), 320, 240);
        viewer.keys(oldEnvelopes);
        streamer.setViewers(1);
        for (int i = 0; i < 4; i++) {
            viewer.receive(tick());
        }

        // The member list changes: client 1 is removed; a new epoch for the remaining one.
        clock.advance(Duration.ofSeconds(3));
        List<Envelope> newEnvelopes = epochs.rotate(TestHousehold.roster(List.of(clients.get(0))));
        long newEpoch = epochs.currentEpoch().orElseThrow();
        viewer.keys(newEnvelopes);
        List<ByteBuffer> next = tick();
        viewer.receive(next);

        TestViewer.Video first = viewer.videos.get(4);
        assertThat(first.keyframe()).isTrue();
        assertThat(first.kid()).isEqualTo(newEpoch * 256).isNotEqualTo(oldEpoch * 256);
        assertThat(first.counter()).isZero();
        assertThat(MediaPart.decode(next.get(0)).keyframe()).isTrue();

        // The removed client holds only the old key: nothing new opens for it.
        TestViewer removed = new TestViewer(clients.get(1), 320, 240);
        removed.keys(oldEnvelopes);
        viewer.receive(tick());
        streamer.setViewers(2);
        List<ByteBuffer> resentAndNew = tick();
        removed.receive(resentAndNew);
        assertThat(removed.videos).isEmpty();
        assertThat(removed.refusals)
                .containsOnly(SFrameException.Reason.UNKNOWN_KEY)
                .hasSize(3);

        // The resent GOP holds only frames of the new epoch.
        TestViewer late = new TestViewer(clients.get(0), 320, 240);
        late.keys(newEnvelopes);
        late.receive(resentAndNew);
        assertThat(late.refusals).isEmpty();
        assertThat(late.videos).extracting(TestViewer.Video::kid).containsOnly(newEpoch * 256);
        assertThat(late.videos).extracting(TestViewer.Video::counter).containsExactly(0L, 1L, 2L);
    }
}
