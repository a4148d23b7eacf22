package dev.doorward.device.ownership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.device.TestPki;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.protocol.testing.MutableClock;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnershipStoreTest {
    @TempDir
    Path deviceDir;

    private final MutableClock clock = new MutableClock();
    private final SecureRandom random = new SecureRandom();

    private Ownership owned() {
        CertificateAuthority hubCa = TestPki.hubCa(clock, random);
        KeyPair deviceKeys = KeyPairs.newP256(random);
        String deviceId = RandomIds.newId(random);
        return Ownership.owned(
                deviceId,
                URI.create("wss://127.0.0.1:8443/device"),
                hubCa.certificate(),
                TestPki.operational(hubCa, deviceKeys.getPublic(), deviceId),
                "-",
                clock.instant());
    }

    @Test
    void aDeviceWithoutRecordIsFactoryNew() {
        OwnershipStore store = new OwnershipStore(new DeviceLayout(deviceDir).protectedDir());

        assertThat(store.load()).isEqualTo(Ownership.factoryNew());
    }

    @Test
    void roundTripsTheOwnerRecord() {
        OwnershipStore store = new OwnershipStore(new DeviceLayout(deviceDir).protectedDir());
        Ownership owned = owned();

        store.save(owned);

        Ownership loaded = new OwnershipStore(new DeviceLayout(deviceDir).protectedDir()).load();
        assertThat(loaded).isEqualTo(owned);
        assertThat(loaded.isOwned()).isTrue();
        assertThat(loaded.hubCaFingerprint()).isPresent();
    }

    @Test
    void roundTripsAPendingResetAndAVeto() {
        OwnershipStore store = new OwnershipStore(new DeviceLayout(deviceDir).protectedDir());
        Ownership pending = owned().withResetPending(clock.instant().plus(Duration.ofHours(72)));

        store.save(pending);
        Ownership loaded = new OwnershipStore(new DeviceLayout(deviceDir).protectedDir()).load();
        assertThat(loaded).isEqualTo(pending);
        assertThat(loaded.state()).isEqualTo(OwnershipState.RESET_PENDING);
        assertThat(loaded.resetDeadline()).contains(clock.instant().plus(Duration.ofHours(72)));

        Ownership vetoed = pending.withResetVetoed(clock.instant());
        store.save(vetoed);
        loaded = store.load();
        assertThat(loaded).isEqualTo(vetoed);
        assertThat(loaded.flagged()).isTrue();
        assertThat(loaded.resetDeadline()).isEmpty();
    }

    @Test
    void aPendingResetWithoutItsDeadlineIsRefused() throws IOException {
        DeviceLayout layout = new DeviceLayout(deviceDir);
        OwnershipStore store = new OwnershipStore(layout.protectedDir());
        store.save(owned().withResetPending(clock.instant().plus(Duration.ofHours(72))));
        Path file = layout.protectedDir().resolve(OwnershipStore.FILE);
        Files.writeString(file, Files.readString(file).replaceAll("(?m)^resetAt=.*$", ""));

        assertThatThrownBy(store::load).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void wipingTheDataDirectoryLeavesAPendingResetIntact() throws IOException {
        DeviceLayout layout = new DeviceLayout(deviceDir);
        OwnershipStore store = new OwnershipStore(layout.protectedDir());
        Ownership pending = owned().withResetPending(clock.instant().plus(Duration.ofHours(72)));
        store.save(pending);
        Files.createDirectories(layout.outboxDir());
        try (Stream<Path> walk = Files.walk(layout.dataDir())) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }

        assertThat(store.load()).isEqualTo(pending);
    }

    @Test
    void wipingTheDataDirectoryLeavesOwnershipIntact() throws IOException {
        DeviceLayout layout = new DeviceLayout(deviceDir);
        OwnershipStore store = new OwnershipStore(layout.protectedDir());
        store.save(owned());
        Files.createDirectories(layout.outboxDir());
        Files.writeString(layout.outboxDir().resolve("x.json"), "{}");

        // What a user-level reset does: remove the agent's data directory entirely.
        try (Stream<Path> walk = Files.walk(layout.dataDir())) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }

        assertThat(layout.dataDir()).doesNotExist();
        assertThat(store.load().state()).isEqualTo(OwnershipState.OWNED);
        assertThat(layout.protectedDir()).isNotEqualTo(layout.dataDir());
        assertThat(layout.protectedDir().startsWith(layout.dataDir())).isFalse();
    }

    @Test
    void theProtectedStoreIsOwnerOnly() throws IOException {
        DeviceLayout layout = new DeviceLayout(deviceDir);
        new OwnershipStore(layout.protectedDir()).save(owned());

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.protectedDir())))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(layout.protectedDir().resolve(OwnershipStore.FILE))))
                .isEqualTo("rw-------");
    }

    @Test
    void aDamagedRecordNeverFallsBackToFactoryNew() throws IOException {
        DeviceLayout layout = new DeviceLayout(deviceDir);
        OwnershipStore store = new OwnershipStore(layout.protectedDir());
        store.save(owned());
        Path file = layout.protectedDir().resolve(OwnershipStore.FILE);
        Files.writeString(file, Files.readString(file).replaceAll("(?m)^deviceId=.*$", ""));

        assertThatThrownBy(store::load).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void noTempFilesAreLeftBehind() throws IOException {
        DeviceLayout layout = new DeviceLayout(deviceDir);
        OwnershipStore store = new OwnershipStore(layout.protectedDir());
        store.save(owned());
        store.save(owned());

        try (Stream<Path> files = Files.list(layout.protectedDir())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(OwnershipStore.FILE);
        }
    }
}
