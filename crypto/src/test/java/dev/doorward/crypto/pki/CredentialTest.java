package dev.doorward.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static CertificateAuthority hubCa;

    @TempDir
    Path dir;

    @BeforeAll
    static void createCa() {
        hubCa = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Test hub CA", Duration.ofDays(30), Clock.systemUTC(), RANDOM);
    }

    @Test
    void saveAndLoadRoundTripWithOwnerOnlyKey() throws Exception {
        Credential credential = hubCa.issueServerCredential(List.of("hub.local", "127.0.0.1"), Duration.ofDays(1));
        Path cert = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");

        credential.save(cert, key);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");
        Credential loaded = Credential.load(cert, key);
        assertThat(loaded.chain()).containsExactlyElementsOf(credential.chain());
        assertThat(loaded.privateKey().getEncoded())
                .isEqualTo(credential.privateKey().getEncoded());
        assertThat(loaded.certificate()).isEqualTo(credential.chain().get(0));
    }

    @Test
    void saveReplacesExistingFilesAtomicallyAndLeavesNoTemporaryFiles() throws Exception {
        Path cert = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");
        hubCa.issueServerCredential(List.of("old.local"), Duration.ofDays(1)).save(cert, key);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        Credential replacement = hubCa.issueServerCredential(List.of("new.local"), Duration.ofDays(1));

        replacement.save(cert, key);

        assertThat(Credential.load(cert, key).certificate()).isEqualTo(replacement.certificate());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .containsExactlyInAnyOrder("server.crt", "server.key");
        }
    }

    @Test
    void loadRefusesAKeyThatDoesNotMatchTheCertificate() {
        Credential one = hubCa.issueServerCredential(List.of("one.local"), Duration.ofDays(1));
        Credential two = hubCa.issueServerCredential(List.of("two.local"), Duration.ofDays(1));
        one.save(dir.resolve("one.crt"), dir.resolve("one.key"));
        two.save(dir.resolve("two.crt"), dir.resolve("two.key"));

        assertThatThrownBy(() -> Credential.load(dir.resolve("one.crt"), dir.resolve("two.key")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match");
    }

    @Test
    void toStringNeverShowsTheKey() {
        Credential credential = hubCa.issueServerCredential(List.of("hub.local"), Duration.ofDays(1));
        String text = credential.toString();
        assertThat(text).isEqualTo("Credential[subject=CN=hub.local,OU=doorward-server,O=Doorward, key=[REDACTED]]");
        assertThat(text)
                .doesNotContain(Base64.getEncoder()
                        .encodeToString(credential.privateKey().getEncoded()));
    }

    @Test
    void aCredentialNeedsACertificate() {
        assertThatThrownBy(() -> new Credential(KeyPairs.newP256(RANDOM).getPrivate(), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
