package dev.doorward.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class SignaturesTest {
    private final SecureRandom random = new SecureRandom();
    private final byte[] statement =
            "doorward-release:1:AAAAAAAAAAAAAAAAAAAAAA:1767225600000".getBytes(StandardCharsets.UTF_8);

    @Test
    void aSignatureVerifiesOnlyForItsKeyAndItsData() {
        KeyPair owner = KeyPairs.newP256(random);
        KeyPair other = KeyPairs.newP256(random);
        byte[] signature = Signatures.sign(owner.getPrivate(), statement);
        assertThat(signature).hasSize(64);
        assertThat(Signatures.verify(owner.getPublic().getEncoded(), statement, signature))
                .isTrue();
        assertThat(Signatures.verify(other.getPublic().getEncoded(), statement, signature))
                .isFalse();
        byte[] changed = statement.clone();
        changed[changed.length - 1] ^= 1;
        assertThat(Signatures.verify(owner.getPublic().getEncoded(), changed, signature))
                .isFalse();
        byte[] tampered = signature.clone();
        tampered[10] ^= 1;
        assertThat(Signatures.verify(owner.getPublic().getEncoded(), statement, tampered))
                .isFalse();
    }

    @Test
    void malformedInputIsFalseNotAnException() {
        KeyPair owner = KeyPairs.newP256(random);
        byte[] signature = Signatures.sign(owner.getPrivate(), statement);
        assertThat(Signatures.verify(new byte[] {1, 2, 3}, statement, signature))
                .isFalse();
        assertThat(Signatures.verify(owner.getPublic().getEncoded(), statement, new byte[64]))
                .isFalse();
        assertThat(Signatures.verify(owner.getPublic().getEncoded(), statement, new byte[70]))
                .isFalse();
        assertThat(Signatures.verify(owner.getPublic().getEncoded(), statement, null))
                .isFalse();
    }
}
