package dev.doorward.device.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.doorward.device.camera.SyntheticCamera;
import dev.doorward.device.media.VideoEncoder.EncodedFrame;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JcodecVideoEncoderTest {

    /** Four coloured quadrants, with a grey box whose position moves with {@code shift}. */
    private static BufferedImage quadrants(int width, int height, int shift) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, width / 2, height / 2);
        g.setColor(Color.GREEN);
        g.fillRect(width / 2, 0, width - width / 2, height / 2);
        g.setColor(Color.BLUE);
        g.fillRect(0, height / 2, width / 2, height - height / 2);
        g.setColor(Color.WHITE);
        g.fillRect(width / 2, height / 2, width - width / 2, height - height / 2);
        g.setColor(Color.GRAY);
        g.fillRect(shift % (width / 4), height / 4, width / 16, height / 16);
        g.dispose();
        return image;
    }

    private static void assertColour(double[] rgb, int r, int g, int b) {
        assertThat(rgb[0]).as("red").isCloseTo(r, within(20.0));
        assertThat(rgb[1]).as("green").isCloseTo(g, within(20.0));
        assertThat(rgb[2]).as("blue").isCloseTo(b, within(20.0));
    }

    @Test
    void aScaledFrameDecodesToThePictureItCameFrom() {
        JcodecVideoEncoder encoder = new JcodecVideoEncoder();
        H264TestDecoder decoder = new H264TestDecoder(320, 240);

        // 640x480 in, 320x240 out.
        for (int i = 0; i < 5; i++) {
            EncodedFrame frame = encoder.encode(quadrants(640, 480, 8 * i), false);
            BufferedImage decoded = decoder.decode(frame.accessUnit());

            assertThat(decoded.getWidth()).isEqualTo(320);
            assertThat(decoded.getHeight()).isEqualTo(240);
            assertColour(H264TestDecoder.meanRgb(decoded, 100, 10, 50, 40), 255, 0, 0);
            assertColour(H264TestDecoder.meanRgb(decoded, 200, 20, 100, 80), 0, 255, 0);
            assertColour(H264TestDecoder.meanRgb(decoded, 20, 140, 100, 80), 0, 0, 255);
            assertColour(H264TestDecoder.meanRgb(decoded, 200, 140, 100, 80), 255, 255, 255);
        }
    }

    @Test
    void aSizeThatIsNotAMultipleOfSixteenIsCroppedNotDistorted() {
        JcodecVideoEncoder encoder = new JcodecVideoEncoder(200, 150, 10);
        H264TestDecoder decoder = new H264TestDecoder(200, 150);

        BufferedImage decoded =
                decoder.decode(encoder.encode(quadrants(200, 150, 0), false).accessUnit());

        assertThat(decoded.getWidth()).isEqualTo(200);
        assertThat(decoded.getHeight()).isEqualTo(150);
        assertColour(H264TestDecoder.meanRgb(decoded, 170, 120, 28, 28), 255, 255, 255);
        assertColour(H264TestDecoder.meanRgb(decoded, 60, 10, 30, 30), 255, 0, 0);
    }

    @Test
    void keyframesComeAtTheIntervalAndWhenForcedEachWithSpsAndPps() {
        JcodecVideoEncoder encoder = new JcodecVideoEncoder(160, 120, 5);
        H264TestDecoder decoder = new H264TestDecoder(160, 120);
        List<Boolean> keyframes = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            EncodedFrame frame = encoder.encode(quadrants(160, 120, 3 * i), i == 7);
            keyframes.add(frame.keyframe());
            List<Integer> types = nalTypes(frame.accessUnit());
            if (frame.keyframe()) {
                assertThat(types).as("frame " + i).containsExactly(7, 8, 5);
            } else {
                assertThat(types).as("frame " + i).containsExactly(1);
            }
            // Every frame, P frames included, decodes in sequence.
            decoder.decode(frame.accessUnit());
        }
        // 0 by interval, 5 by interval, 7 forced, then the interval counts from the forced one: 12.
        assertThat(keyframes)
                .containsExactly(true, false, false, false, false, true, false, true, false, false, false, false, true);
    }

    @Test
    void aViewerCanStartAtAnyKeyframe() {
        JcodecVideoEncoder encoder = new JcodecVideoEncoder(160, 120, 4);
        List<EncodedFrame> frames = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            frames.add(encoder.encode(quadrants(160, 120, 5 * i), false));
        }
        // A fresh decoder joining at the second GOP, as a late viewer does.
        H264TestDecoder late = new H264TestDecoder(160, 120);
        assertThat(frames.get(4).keyframe()).isTrue();
        for (int i = 4; i < 8; i++) {
            BufferedImage decoded = late.decode(frames.get(i).accessUnit());
            assertColour(H264TestDecoder.meanRgb(decoded, 90, 70, 60, 40), 255, 255, 255);
        }
    }

    @Test
    void theCameraClockIsVisibleInTheDecodedPicture() {
        Clock t0 = Clock.fixed(Instant.parse("2026-05-01T10:00:00.000Z"), ZoneOffset.UTC);
        Clock t1 = Clock.fixed(Instant.parse("2026-05-01T10:00:07.654Z"), ZoneOffset.UTC);
        JcodecVideoEncoder encoder = new JcodecVideoEncoder();
        H264TestDecoder decoder = new H264TestDecoder(320, 240);

        BufferedImage first = decoder.decode(encoder.encode(new SyntheticCamera(t0, "SERIAL").capture(), false)
                .accessUnit());
        BufferedImage same = decoder.decode(encoder.encode(new SyntheticCamera(t0, "SERIAL").capture(), false)
                .accessUnit());
        BufferedImage later = decoder.decode(encoder.encode(new SyntheticCamera(t1, "SERIAL").capture(), false)
                .accessUnit());

        // The clock sits in the top band (0..28 at half size); its digits differ between the two times.
        assertThat(H264TestDecoder.difference(first, same, 0, 0, 160, 28)).isLessThan(3.0);
        assertThat(H264TestDecoder.difference(first, later, 0, 0, 160, 28)).isGreaterThan(8.0);
    }

    @Test
    void refusesSizesTheEncoderCannotMake() {
        assertThatThrownBy(() -> new JcodecVideoEncoder(321, 240, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new JcodecVideoEncoder(320, 240, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(JcodecVideoEncoder.forFrameRate(320, 240, 10, 2).keyframeInterval())
                .isEqualTo(20);
    }

    /** NAL unit types of an Annex B access unit, in order. */
    static List<Integer> nalTypes(byte[] au) {
        List<Integer> types = new ArrayList<>();
        for (int i = 0; i + 3 < au.length; i++) {
            if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) {
                types.add(au[i + 3] & 0x1f);
                i += 3;
            }
        }
        return types;
    }
}
