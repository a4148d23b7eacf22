package dev.doorward.device.media;

import dev.doorward.crypto.media.MediaKeyWrap.Envelope;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.Receiver;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.SFrameException;
import dev.doorward.crypto.sframe.SFrameHeader;
import dev.doorward.device.media.TestHousehold.Client;
import dev.doorward.protocol.MediaPart;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A viewer's browser, in Java: unwraps its envelopes with its own agreement key, joins parts, opens frames
 * with SFrame receivers per doorbell sender and decodes video with jcodec, as app/ does with WebCrypto and
 * WebCodecs.
 */
final class TestViewer {
    record Video(long kid, long counter, boolean keyframe, long captureTime, BufferedImage picture) {}

    record Audio(long kid, long counter, long captureTime, byte[] pcm) {}

    private final Client client;
    private final Receiver video = new Receiver();
    private final Receiver audio = new Receiver();
    private final Map<MediaPart.Kind, MediaPart.Assembler> assemblers = new EnumMap<>(MediaPart.Kind.class);
    private final H264TestDecoder decoder;
    private boolean waitingForKeyframe = true;
    final List<Video> videos = new ArrayList<>();
    final List<Audio> audios = new ArrayList<>();
    final List<SFrameException.Reason> refusals = new ArrayList<>();

    TestViewer(Client client, int width, int height) {
        this.client = client;
        this.decoder = new H264TestDecoder(width, height);
        for (MediaPart.Kind kind : MediaPart.Kind.values()) {
            assemblers.put(kind, new MediaPart.Assembler(1 << 20));
        }
    }

    /** Takes this client's envelope from a rotation's list (the hub gives each browser only its own). */
    void keys(List<Envelope> envelopes) throws Exception {
        for (Envelope envelope : envelopes) {
            if (envelope.context().clientId().equals(client.id())) {
                long epoch = envelope.context().mediaEpoch();
                byte[] key = client.unwrap(envelope, epoch, envelope.context().slot());
                video.addKey(new SFrameContext(
                        CipherSuite.DEFAULT, epoch * 256, SFrameContext.senderKey(key, "device-video")));
                audio.addKey(new SFrameContext(
                        CipherSuite.DEFAULT, epoch * 256 + 1, SFrameContext.senderKey(key, "device-audio")));
                return;
            }
        }
        throw new AssertionError("no envelope for this client");
    }

    void receive(List<ByteBuffer> messages) {
        for (ByteBuffer message : messages) {
            receive(message);
        }
    }

    void receive(ByteBuffer message) {
        MediaPart part = MediaPart.decode(message);
        byte[] frame = assemblers.get(part.kind()).add(part);
        if (frame == null) {
            return;
        }
        SFrameHeader header = SFrameHeader.decode(frame);
        try {
            if (part.kind() == MediaPart.Kind.VIDEO) {
                byte[] plain = video.open(frame, null);
                if (waitingForKeyframe && !part.keyframe()) {
                    return;
                }
                waitingForKeyframe = false;
                BufferedImage picture = decoder.decode(Arrays.copyOfRange(plain, 8, plain.length));
                videos.add(new Video(
                        header.kid(),
                        header.counter(),
                        part.keyframe(),
                        ByteBuffer.wrap(plain).getLong(),
                        picture));
            } else {
                byte[] plain = audio.open(frame, null);
                audios.add(new Audio(
                        header.kid(),
                        header.counter(),
                        ByteBuffer.wrap(plain).getLong(),
                        Arrays.copyOfRange(plain, 8, plain.length)));
            }
        } catch (SFrameException e) {
            refusals.add(e.reason());
        }
    }
}
