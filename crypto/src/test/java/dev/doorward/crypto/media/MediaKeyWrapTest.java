package dev.doorward.crypto.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.media.MediaKeyWrap.Context;
import dev.doorward.crypto.media.MediaKeyWrap.Envelope;
import dev.doorward.crypto.pki.KeyPairs;
import java.security.KeyPair;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

class MediaKeyWrapTest {
    private final SecureRandom random = new SecureRandom();
    private final KeyPair client = KeyPairs.newP256(random);
    private final Context context = new Context("dddddddddddddddddddddd", 1_800_000_000L, "cccccccccccccccccccccc", 16);
    private final byte[] epochKey = random.generateSeed(32);

    @Test
    void theClientOpensWhatWasWrappedForIt() throws Exception {
        Envelope envelope =
                MediaKeyWrap.wrap(context, epochKey, client.getPublic().getEncoded(), random);

        assertThat(envelope.wrapped()).hasSize(MediaKeyWrap.WRAPPED_LENGTH).isNotEqualTo(epochKey);
        assertThat(MediaKeyWrap.unwrap(context, envelope, client.getPrivate())).isEqualTo(epochKey);
    }

    @Test
    void everyEnvelopeIsFresh() {
        Envelope first = MediaKeyWrap.wrap(context, epochKey, client.getPublic().getEncoded(), random);
        Envelope second =
                MediaKeyWrap.wrap(context, epochKey, client.getPublic().getEncoded(), random);

        assertThat(first.ephemeralKey()).isNotEqualTo(second.ephemeralKey());
        assertThat(first.wrapped()).isNotEqualTo(second.wrapped());
    }

    @Test
    void anotherClientCannotOpenIt() {
        Envelope envelope =
                MediaKeyWrap.wrap(context, epochKey, client.getPublic().getEncoded(), random);
        KeyPair other = KeyPairs.newP256(random);

        assertThatThrownBy(() -> MediaKeyWrap.unwrap(context, envelope, other.getPrivate()))
                .isInstanceOf(AEADBadTagException.class);
    }

    @Test
    void anEnvelopeMovedToAnotherContextDoesNotOpen() {
        Envelope envelope =
                MediaKeyWrap.wrap(context, epochKey, client.getPublic().getEncoded(), random);

        for (Context moved : new Context[] {
            new Context("eeeeeeeeeeeeeeeeeeeeee", context.mediaEpoch(), context.clientId(), context.slot()),
            new Context(context.deviceId(), context.mediaEpoch() + 1, context.clientId(), context.slot()),
            new Context(context.deviceId(), context.mediaEpoch(), "ffffffffffffffffffffff", context.slot()),
            new Context(context.deviceId(), context.mediaEpoch(), context.clientId(), 17)
        }) {
            assertThatThrownBy(() -> MediaKeyWrap.unwrap(moved, envelope, client.getPrivate()))
                    .isInstanceOf(AEADBadTagException.class);
        }
    }

    @Test
    void aTamperedEnvelopeDoesNotOpen() {
        Envelope envelope =
                MediaKeyWrap.wrap(context, epochKey, client.getPublic().getEncoded(), random);
        byte[] wrapped = envelope.wrapped();
        wrapped[5] ^= 1;
        Envelope tampered = new Envelope(context, envelope.ephemeralKey(), envelope.nonce(), wrapped);
        Envelope badKey = new Envelope(context, new byte[91], envelope.nonce(), envelope.wrapped());
        Envelope shortNonce = new Envelope(context, envelope.ephemeralKey(), new byte[8], envelope.wrapped());

        for (Envelope bad : new Envelope[] {tampered, badKey, shortNonce}) {
            assertThatThrownBy(() -> MediaKeyWrap.unwrap(context, bad, client.getPrivate()))
                    .isInstanceOf(AEADBadTagException.class);
        }
    }

    @Test
    void refusesWrongSizedKeysAndNonP256Recipients() {
        assertThatThrownBy(() -> MediaKeyWrap.wrap(
                        context, new byte[16], client.getPublic().getEncoded(), random))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MediaKeyWrap.wrap(context, epochKey, new byte[91], random))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Context("a|b", 1, "c", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
