package dev.doorward.crypto.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.P256Points;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RFC 8291 message encryption, checked against the RFC's own example (Appendix A) byte for byte. */
class PushEncryptionTest {
    // RFC 8291 Appendix A (also reproduced by npm web-push 3.6.7 / http_ece with the same inputs).
    static final String PLAINTEXT = "When I grow up, I want to be a watermelon";
    static final String AS_PUBLIC =
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    static final String AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    static final String UA_PUBLIC =
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    static final String UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";
    static final String AUTH_SECRET = "BTBZMqHH6r4Tts7J_aSIgg";
    static final String BODY =
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6Tlz"
                    + "AC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    @Test
    void theRfcExampleEncryptsToTheRfcBody() {
        KeyPair sender = P256Points.keyPair(b64(AS_PRIVATE), b64(AS_PUBLIC));
        byte[] body = PushEncryption.encrypt(
                PLAINTEXT.getBytes(StandardCharsets.UTF_8), b64(UA_PUBLIC), b64(AUTH_SECRET), sender, b64(SALT));
        assertThat(Base64.getUrlEncoder().withoutPadding().encodeToString(body)).isEqualTo(BODY);
    }

    @Test
    void theRfcBodyDecryptsWithTheBrowsersKey() {
        KeyPair browser = P256Points.keyPair(b64(UA_PRIVATE), b64(UA_PUBLIC));
        assertThat(new String(PushEncryption.decrypt(b64(BODY), browser, b64(AUTH_SECRET)), StandardCharsets.UTF_8))
                .isEqualTo(PLAINTEXT);
    }

    @Test
    void aFreshMessageOpensOnlyForItsSubscription() {
        SecureRandom random = new SecureRandom();
        KeyPair browser = KeyPairs.newP256(random);
        byte[] auth = new byte[16];
        random.nextBytes(auth);
        byte[] message = "{\"v\":1,\"kind\":\"ring\"}".getBytes(StandardCharsets.UTF_8);
        byte[] body = PushEncryption.encrypt(message, P256Points.encode(browser.getPublic()), auth, random);
        byte[] again = PushEncryption.encrypt(message, P256Points.encode(browser.getPublic()), auth, random);

        assertThat(PushEncryption.decrypt(body, browser, auth)).isEqualTo(message);
        assertThat(body).isNotEqualTo(again); // new salt and ephemeral key every time
        assertThat(body.length).isEqualTo(16 + 4 + 1 + 65 + message.length + 1 + 16);

        byte[] otherAuth = auth.clone();
        otherAuth[0] ^= 1;
        assertThatThrownBy(() -> PushEncryption.decrypt(body, browser, otherAuth))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PushEncryption.decrypt(body, KeyPairs.newP256(random), auth))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] tampered = body.clone();
        tampered[tampered.length - 20] ^= 1;
        assertThatThrownBy(() -> PushEncryption.decrypt(tampered, browser, auth))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badSubscriptionKeysAndOversizedMessagesAreRefused() {
        SecureRandom random = new SecureRandom();
        byte[] auth = new byte[16];
        byte[] point = P256Points.encode(KeyPairs.newP256(random).getPublic());
        byte[] offCurve = point.clone();
        offCurve[64] ^= 1;
        assertThatThrownBy(() -> PushEncryption.encrypt(new byte[1], offCurve, auth, random))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PushEncryption.encrypt(new byte[1], new byte[33], auth, random))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PushEncryption.encrypt(new byte[1], point, new byte[15], random))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> PushEncryption.encrypt(new byte[PushEncryption.MAX_PLAINTEXT + 1], point, auth, random))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(PushEncryption.encrypt(new byte[PushEncryption.MAX_PLAINTEXT], point, auth, random))
                .isNotEmpty();
    }

    static byte[] b64(String s) {
        return Base64.getUrlDecoder().decode(s);
    }
}
