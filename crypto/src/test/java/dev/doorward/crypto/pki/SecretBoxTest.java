package dev.doorward.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
    @TempDir
    Path dir;

    @Test
    void sealsForOnePurposeAndKeepsItsKeyOwnerOnly() throws Exception {
        Path keyFile = dir.resolve("secrets.key");
        SecretBox box = SecretBox.openOrCreate(keyFile, new SecureRandom());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
                .isEqualTo("rw-------");

        String sealed = box.seal("mqtt-password:house-1", "hunter2");
        assertThat(sealed).startsWith("v1.").doesNotContain("hunter2");
        assertThat(box.seal("mqtt-password:house-1", "hunter2")).isNotEqualTo(sealed);

        // The same key file opens it after a restart; another purpose or another key does not.
        SecretBox again = SecretBox.openOrCreate(keyFile, new SecureRandom());
        assertThat(again.openString("mqtt-password:house-1", sealed)).isEqualTo("hunter2");
        assertThatThrownBy(() -> again.openString("mqtt-password:house-2", sealed))
                .isInstanceOf(IllegalArgumentException.class);
        SecretBox other = SecretBox.openOrCreate(dir.resolve("other.key"), new SecureRandom());
        assertThatThrownBy(() -> other.openString("mqtt-password:house-1", sealed))
                .isInstanceOf(IllegalArgumentException.class);
        String tampered = sealed.substring(0, sealed.length() - 2) + (sealed.endsWith("A") ? "BB" : "AA");
        assertThatThrownBy(() -> box.openString("mqtt-password:house-1", tampered))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> box.openString("mqtt-password:house-1", "v1.%%"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(box.toString()).doesNotContain(Files.readString(keyFile).strip());
    }

    @Test
    void refusesAKeyFileOthersCanRead() throws Exception {
        Path keyFile = dir.resolve("secrets.key");
        SecretBox.openOrCreate(keyFile, new SecureRandom());
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SecretBox.openOrCreate(keyFile, new SecureRandom()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("owner only");
    }
}
