package dev.doorward.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KeyPairsTest {
    private final SecureRandom random = new SecureRandom();

    @Test
    void readsAP256KeyInTheFormWebCryptoExports() {
        KeyPair pair = KeyPairs.newP256(random);
        byte[] spki = pair.getPublic().getEncoded();
        assertThat(KeyPairs.parseP256PublicKey(spki)).isEqualTo(pair.getPublic());
        assertThat(Fingerprints.of(KeyPairs.parseP256PublicKey(spki))).isEqualTo(Fingerprints.of(pair.getPublic()));
    }

    @Test
    void refusesAnythingElse() throws Exception {
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        byte[] otherCurve = p384.generateKeyPair().getPublic().getEncoded();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        byte[] rsaKey = rsa.generateKeyPair().getPublic().getEncoded();
        byte[] good = KeyPairs.newP256(random).getPublic().getEncoded();
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        byte[] offCurve = good.clone();
        offCurve[offCurve.length - 1] ^= 1;

        for (byte[] bad : new byte[][] {otherCurve, rsaKey, trailing, offCurve, new byte[0], new byte[] {48, 0}}) {
            assertThatThrownBy(() -> KeyPairs.parseP256PublicKey(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a P-256 public key");
        }
    }
}
