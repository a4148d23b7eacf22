package dev.doorward.hub.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/** A doorbell's new media epoch as live-view tests play it: its key for a browser, and where a viewer got it. */
public final class NewMediaKey {
    private static final SecureRandom RANDOM = new SecureRandom();

    private NewMediaKey() {}

    /** The {@code media-key} text a doorbell sends for a new epoch key (random) wrapped to this browser. */
    public static String message(String deviceId, long epoch, BrowserClient browser, int slot) {
        MediaKeyWrap.Envelope envelope = MediaKeyWrap.wrap(
                new MediaKeyWrap.Context(deviceId, epoch, browser.clientId(), slot),
                RANDOM.generateSeed(32),
                browser.clientAgreementKey().getPublic().getEncoded(),
                RANDOM);
        return LinkCodec.encode(LinkMessage.MediaKey.of(
                epoch, browser.clientId(), slot, envelope.ephemeralKey(), envelope.nonce(), envelope.wrapped()));
    }

    /** The doorbell sends a keyframe (random bytes: the hub cannot tell) and the viewer gets each of its parts. */
    public static void sendKeyframeAndAwait(RawDeviceLink doorbell, BrowserClient.Stream live) {
        List<ByteBuffer> keyframe = MediaPart.split(MediaPart.Kind.VIDEO, true, RANDOM.generateSeed(9_000));
        keyframe.forEach(part -> doorbell.sendBinary(part.duplicate()));
        for (ByteBuffer expected : keyframe) {
            assertThat(live.nextBinary(Duration.ofSeconds(5))).contains(expected);
        }
    }

    /** Among what the viewer got from its {@code from}-th message on, the key of {@code epoch} came before any part. */
    public static void assertCameBeforeTheParts(BrowserClient.Stream live, int from, long epoch) {
        List<String> arrivals = live.arrivals().subList(from, live.arrivals().size());
        int key = -1;
        for (int i = 0; i < arrivals.size(); i++) {
            if (arrivals.get(i).contains("\"type\":\"key\"") && arrivals.get(i).contains("\"epoch\":" + epoch)) {
                key = i;
            }
        }
        assertThat(key).as("the new key among %s", arrivals).isNotNegative();
        assertThat(arrivals.indexOf(BrowserClient.Stream.BINARY))
                .as("first part after the key, in %s", arrivals)
                .isGreaterThan(key);
    }
}
