package dev.doorward.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {
    @TempDir
    Path dir;

    @Test
    void aKeyPairComesBackWholeFromAnOwnerOnlyFile() throws Exception {
        KeyPair pair = KeyPairs.newP256(new SecureRandom());
        Path file = dir.resolve("push").resolve("vapid.pem");
        KeyFiles.saveP256(file, pair);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        KeyPair loaded = KeyFiles.loadP256(file);
        assertThat(loaded.getPublic().getEncoded()).isEqualTo(pair.getPublic().getEncoded());
        assertThat(KeyPairs.matches(loaded.getPrivate(), pair.getPublic())).isTrue();
    }

    @Test
    void somethingElseIsRefused() throws Exception {
        Path file = dir.resolve("junk.pem");
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> KeyFiles.loadP256(file)).isInstanceOf(IllegalArgumentException.class);
    }
}
