package dev.doorward.crypto.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.KeyFiles;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.SecretBox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinSecretTest {
    private static final String SECRET = "k3Jx9qv2Lw8pTz5mNc7rYb4hGd6sFa1eQu0oWi2jXl3==";

    @TempDir
    Path dir;

    private Path secretFile(String name, String content, String mode) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void nodesWithTheSameSecretOpenEachOthersSealsAndNobodyElseDoes() throws Exception {
        SecureRandom random = new SecureRandom();
        SecretBox nodeA =
                JoinSecret.read(secretFile("a", SECRET + "\n", "rw-------")).box("hub-keys", random);
        SecretBox nodeB = JoinSecret.read(secretFile("b", SECRET, "r--------")).box("hub-keys", random);
        String sealed = nodeA.seal("vapid", "the private key");
        assertThat(nodeB.openString("vapid", sealed)).isEqualTo("the private key");

        // The name is the associated data: a value moved to another name does not open.
        assertThatThrownBy(() -> nodeB.openString("hub-ca", sealed)).isInstanceOf(IllegalArgumentException.class);
        // Another use of the same secret derives another key.
        SecretBox otherUse = JoinSecret.read(dir.resolve("a")).box("nats", random);
        assertThatThrownBy(() -> otherUse.openString("vapid", sealed)).isInstanceOf(IllegalArgumentException.class);
        // Another secret opens nothing.
        SecretBox stranger = JoinSecret.read(secretFile("c", SECRET.replace('k', 'K'), "rw-------"))
                .box("hub-keys", random);
        assertThatThrownBy(() -> stranger.openString("vapid", sealed)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReadableByOthersShortOrMissingSecretIsRefusedWithoutShowingIt() throws Exception {
        assertThatThrownBy(() -> JoinSecret.read(secretFile("open", SECRET, "rw-r--r--")))
                .hasMessageContaining("chmod 600")
                .hasMessageNotContaining(SECRET);
        assertThatThrownBy(() -> JoinSecret.read(secretFile("short", "tooshort-but-31-bytes-long-xxxx\n", "rw-------")))
                .hasMessageContaining("at least 32 bytes")
                .hasMessageNotContaining("tooshort");
        assertThatThrownBy(() -> JoinSecret.read(dir.resolve("missing"))).hasMessageContaining("does not exist");
        assertThat(JoinSecret.read(secretFile("ok", SECRET, "rw-------")).toString())
                .doesNotContain(SECRET);
    }

    @Test
    void aCertificateAuthorityAndAP256KeyTravelAsPem() {
        SecureRandom random = new SecureRandom();
        CertificateAuthority ca = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Doorward hub CA", Duration.ofDays(30), Clock.systemUTC(), random);
        CertificateAuthority again = CertificateAuthority.fromPem(ca.toPem(), Clock.systemUTC(), random);
        assertThat(again.fingerprint()).isEqualTo(ca.fingerprint());
        assertThat(again.kind()).isEqualTo(CertificateKind.HUB_CA);

        KeyPair pair = KeyPairs.newP256(random);
        assertThat(KeyFiles.p256FromPem(KeyFiles.p256ToPem(pair)).getPublic()).isEqualTo(pair.getPublic());
        assertThatThrownBy(() -> CertificateAuthority.fromPem(KeyFiles.p256ToPem(pair), Clock.systemUTC(), random))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
