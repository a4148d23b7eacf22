package dev.doorward.hub.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.Receiver;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.Sender;
import dev.doorward.device.DeviceAgent;
import dev.doorward.hub.link.LinkTaps;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.jcodec.codecs.h264.H264Decoder;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Live view with a real doorbell agent: the owner's browser (played in Java, with its own keys) unwraps its
 * key envelope, opens and decodes the doorbell's H.264 and hears its microphone; what it says at the door is
 * written by the doorbell's speaker. Every byte of media the hub carried is sealed: no H.264 start code, no
 * audio, while the same frames opened with the member's key are plainly H.264.
 */
class LiveViewTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] START_CODE = {0, 0, 0, 1};

    @TempDir
    Path dir;

    @Test
    void aMemberSeesAndHearsTheDoorIsHeardThereAndTheHubCarriesOnlyCiphertext() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient browser = owner.browser();
            assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (hub.bean(MediaKeys.class).of(deviceId, browser.clientId()).isEmpty()
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }

            List<byte[]> carried = new CopyOnWriteArrayList<>();
            BiConsumer<LinkTaps.Direction, ByteBuffer> tap = (direction, part) -> {
                byte[] bytes = new byte[part.remaining()];
                part.duplicate().get(bytes);
                carried.add(bytes);
            };
            hub.bean(LinkTaps.class).addBinary(tap);

            BrowserClient.Stream live = browser.openLive();
            live.sendText("{\"type\":\"watch\",\"deviceId\":\"" + deviceId + "\",\"clientId\":\"" + browser.clientId()
                    + "\"}");
            JsonNode key = live.awaitType("key", WAIT).orElseThrow();
            long epoch = key.get("epoch").asLong();
            int slot = key.get("slot").asInt();
            MediaKeyWrap.Context context = new MediaKeyWrap.Context(deviceId, epoch, browser.clientId(), slot);
            byte[] epochKey = MediaKeyWrap.unwrap(
                    context,
                    new MediaKeyWrap.Envelope(
                            context,
                            b64(key.get("ephemeralKey").stringValue()),
                            b64(key.get("nonce").stringValue()),
                            b64(key.get("wrapped").stringValue())),
                    browser.clientAgreementKey().getPrivate());

            Receiver receiver = new Receiver();
            receiver.addKey(context(epoch, 0, epochKey, "device-video"));
            receiver.addKey(context(epoch, 1, epochKey, "device-audio"));
            MediaPart.Assembler video = new MediaPart.Assembler(1 << 20);
            MediaPart.Assembler audio = new MediaPart.Assembler(1 << 16);
            List<byte[]> frames = new ArrayList<>();
            int audioFrames = 0;
            deadline = System.nanoTime() + WAIT.toNanos();
            while ((frames.size() < 3 || audioFrames < 5) && System.nanoTime() < deadline) {
                Optional<ByteBuffer> message = live.nextBinary(Duration.ofSeconds(1));
                if (message.isEmpty()) {
                    continue;
                }
                MediaPart part = MediaPart.decode(message.get());
                boolean isVideo = part.kind() == MediaPart.Kind.VIDEO;
                byte[] sealed = (isVideo ? video : audio).add(part);
                if (sealed == null) {
                    continue;
                }
                byte[] plain = receiver.open(sealed, new byte[0]);
                long captured = ByteBuffer.wrap(plain).getLong();
                assertThat(Math.abs(System.currentTimeMillis() - captured)).isLessThan(10_000);
                if (isVideo) {
                    frames.add(java.util.Arrays.copyOfRange(plain, 8, plain.length));
                } else {
                    assertThat(plain).hasSize(8 + 640);
                    audioFrames++;
                }
            }
            assertThat(frames).as("video frames").hasSizeGreaterThanOrEqualTo(3);
            assertThat(audioFrames).isGreaterThanOrEqualTo(5);
            // The first frame a new viewer gets is a keyframe, and it decodes to the camera's picture.
            assertThat(HexFormat.of().formatHex(frames.get(0))).startsWith("0000000167");
            H264Decoder decoder = new H264Decoder();
            byte[][] buffer = Picture.create(320, 240, ColorSpace.YUV420J).getData();
            Picture picture = decoder.decodeFrame(ByteBuffer.wrap(frames.get(0)), buffer);
            assertThat(picture).isNotNull();
            assertThat(picture.getCroppedWidth()).isEqualTo(320);
            assertThat(variance(picture.getPlaneData(0)))
                    .as("a picture, not a blank")
                    .isGreaterThan(100);

            // Talk: 20 ms frames sealed with this browser's own key, from a random counter.
            SFrameContext talkKey = context(epoch, slot, epochKey, "client-" + browser.clientId());
            Sender sender = new Sender(talkKey, RANDOM.nextLong(1L << 48));
            for (int i = 0; i < 25; i++) {
                byte[] pcm = ByteBuffer.allocate(8 + 640)
                        .putLong(System.currentTimeMillis())
                        .put(tone(i))
                        .array();
                for (ByteBuffer part : MediaPart.split(MediaPart.Kind.TALK, false, sender.seal(new byte[0], pcm))) {
                    live.sendBinary(part);
                }
            }
            deadline = System.nanoTime() + WAIT.toNanos();
            while (doorbell.liveMedia().orElseThrow().talkFramesPlayed() < 25 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(doorbell.liveMedia().orElseThrow().talkFramesPlayed()).isEqualTo(25);
            assertThat(Files.size(doorbell.speakerFile())).isEqualTo(44 + 25 * 640);

            // The hub carried only sealed parts: not one H.264 start code in either direction.
            hub.bean(LinkTaps.class).removeBinary(tap);
            assertThat(carried).hasSizeGreaterThan(30);
            for (byte[] part : carried) {
                assertThat(indexOf(part, START_CODE))
                        .as("an H.264 start code on the wire")
                        .isEqualTo(-1);
            }
            live.close();
        }
    }

    private static SFrameContext context(long epoch, int slot, byte[] epochKey, String label) {
        return new SFrameContext(CipherSuite.DEFAULT, epoch * 256 + slot, SFrameContext.senderKey(epochKey, label));
    }

    private static byte[] tone(int frame) {
        ByteBuffer pcm = ByteBuffer.allocate(640).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 320; i++) {
            pcm.putShort((short) (8000 * Math.sin(2 * Math.PI * 440 * (frame * 320 + i) / 16_000.0)));
        }
        return pcm.array();
    }

    private static double variance(byte[] luma) {
        double sum = 0;
        double squares = 0;
        for (byte b : luma) {
            sum += b;
            squares += (double) b * b;
        }
        double mean = sum / luma.length;
        return squares / luma.length - mean * mean;
    }

    /** Shannon entropy in bits per byte of {@code bytes} from {@code offset} on. */
    private static double entropy(byte[] bytes, int offset) {
        int[] counts = new int[256];
        for (int i = offset; i < bytes.length; i++) {
            counts[bytes[i] & 0xff]++;
        }
        double n = bytes.length - offset;
        double bits = 0;
        for (int count : counts) {
            if (count > 0) {
                double p = count / n;
                bits -= p * Math.log(p) / Math.log(2);
            }
        }
        return bits;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] b64(String text) {
        return Base64.getUrlDecoder().decode(text);
    }
}
