package dev.doorward.hub.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.link.LinkState;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 19, item 4: a running hub is backed up with {@code doorward backup}, its machine is lost, and
 * {@code doorward restore} on a new one brings it back on the same address: the doorbell reconnects on its own
 * (same hub CA, same operational certificate) and rings, and history, media, members and browsers are intact.
 */
class BackupAndRestoreTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aHubRestoredFromItsBackupOnANewMachineKeepsDoorbellsHistoryMembersAndBrowsers() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            Household owner = Household.firstOwner(hub);
            BrowserClient browser = owner.browser();
            MintedDevice minted = hub.mintDevice("front");
            MutableClock doorbellClock = MutableClock.startingNow();
            DeviceAgent doorbell =
                    owner.claim(hub.startDevice(minted, c -> c.withClock(doorbellClock)), minted.setupCode());
            String deviceId = doorbell.deviceId().orElseThrow();
            assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);
            assertThat(await(() ->
                            doorbell.liveMedia().flatMap(m -> m.currentEpoch()).isPresent()))
                    .isTrue();
            Household resident = join(hub, owner, "resident");

            String ring = doorbell.pressButton().orElseThrow();
            assertThat(await(() -> mediaOf(browser, owner.householdId(), ring).size() == 2))
                    .as("the ring's snapshot and clip stored")
                    .isTrue();
            assertThat(await(() -> doorbell.pendingEvents() == 0)).isTrue();
            String snapshotRoute = "/api/devices/" + deviceId + "/events/" + ring + "/snapshot";
            byte[] snapshot = browser.getBytes(snapshotRoute);
            List<String> history = eventIds(browser, owner.householdId());
            String members = browser.get("/api/households/" + owner.householdId() + "/members")
                    .body();
            String ownerBrowsers = browser.get("/api/clients").body();
            String residentBrowsers = resident.browser().get("/api/clients").body();
            String caFingerprint = fingerprint(hub);
            List<Path> blobs = filesUnder(hub.dataDir().resolve("blobs"));
            assertThat(blobs).isNotEmpty();

            // Backed up while the hub runs and the doorbell is connected.
            Path backups = dir.resolve("backups");
            BackupCommand.Outcome backup = BackupCommand.run("backup", "--data-dir", hub.dataDir(), "--to", backups);
            assertThat(backup.exitCode()).as(backup.err()).isZero();
            assertThat(backup.out()).contains("Backup written").contains(blobs.size() + " blobs");
            List<Path> archives = Backups.list(backups);
            assertThat(archives).hasSize(1);
            Path archive = archives.getFirst();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive)))
                    .isEqualTo("rw-------");
            String raw = new String(Files.readAllBytes(archive), StandardCharsets.ISO_8859_1);
            assertThat(raw).doesNotContain("BEGIN").doesNotContain("resident").doesNotContain(deviceId);

            // After the backup the doorbell renews its operational certificate (four of its seven days later, at a
            // reconnection): the backup knows only the old one.
            Devices devices = hub.bean(Devices.class);
            String backedUpSerial = devices.byId(deviceId).orElseThrow().certificateSerial();
            hub.stop();
            doorbellClock.advance(Duration.ofDays(4));
            hub.restart();
            assertThat(await(() -> !hub.bean(Devices.class)
                            .byId(deviceId)
                            .orElseThrow()
                            .certificateSerial()
                            .equals(backedUpSerial)))
                    .as("renewed after the backup")
                    .isTrue();
            String renewedSerial =
                    hub.bean(Devices.class).byId(deviceId).orElseThrow().certificateSerial();
            doorbellClock.advance(Duration.ofDays(-4));

            // A new machine: the backup is restored into a new directory. (The restore needs nothing but the archive;
            // it runs before the old hub stops so that the hub's ports, which other processes on this machine could
            // take, are free for as short a time as possible.)
            Path newDataDir = dir.resolve("new-machine").resolve("hub");
            BackupCommand.Outcome restore = BackupCommand.run("restore", "--from", archive, "--data-dir", newDataDir);
            assertThat(restore.exitCode()).as(restore.err()).isZero();
            assertThat(restore.out()).contains(blobs.size() + " blobs");

            // The old machine is lost: hub gone, data directory gone. The new one takes over its address.
            Path oldDataDir = hub.dataDir();
            hub.stop();
            assertThat(doorbell.awaitLinkState(LinkState.DISCONNECTED, WAIT)).isTrue();
            Directories.deleteTree(oldDataDir);
            hub.restartFrom(newDataDir);
            assertThat(Files.exists(newDataDir.resolve(BackupArchive.RESTORE_DIR)))
                    .as("the dump is removed once loaded")
                    .isFalse();
            assertThat(fingerprint(hub)).isEqualTo(caFingerprint);

            // The doorbell comes back by itself: it trusts the same hub CA and keeps its certificate.
            assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, WAIT)).isTrue();
            // With the certificate it got after the backup, which the restored hub adopts (its CA issued it later).
            assertThat(await(() -> renewedSerial.equals(
                            hub.bean(Devices.class).byId(deviceId).orElseThrow().certificateSerial())))
                    .isTrue();

            // Browsers sign in again (sessions lived in the old hub's memory) with the keys they had.
            assertThat(browser.login(owner.username(), Household.PASSWORD).status())
                    .isEqualTo(204);
            assertThat(eventIds(browser, owner.householdId())).isEqualTo(history);
            assertThat(browser.get("/api/households/" + owner.householdId() + "/members")
                            .body())
                    .isEqualTo(members);
            assertThat(browser.get("/api/clients").body()).isEqualTo(ownerBrowsers);
            assertThat(browser.getBytes(snapshotRoute)).isEqualTo(snapshot);
            assertThat(resident.browser().login("resident", Household.PASSWORD).status())
                    .isEqualTo(204);
            assertThat(resident.browser().get("/api/clients").body()).isEqualTo(residentBrowsers);

            // And it rings: the press reaches the owner's open app and lands in the history after the old one.
            BrowserClient.Stream stream = browser.openStream();
            try {
                assertThat(stream.awaitType("hello", Duration.ofSeconds(10))).isPresent();
                String next = doorbell.pressButton().orElseThrow();
                assertThat(stream.await(
                                m -> "ring".equals(m.path("type").asString(""))
                                        && m.toString().contains(next),
                                WAIT))
                        .isPresent();
                assertThat(await(() -> eventIds(browser, owner.householdId()).size() == history.size() + 1))
                        .isTrue();
                assertThat(eventIds(browser, owner.householdId()))
                        .startsWith(next)
                        .endsWith(ring);
            } finally {
                stream.close();
            }
            // The audit chain goes on from where it was (its sequence was restored with the rows) and says what
            // happened to the certificate.
            BrowserClient.Response audit = browser.get("/api/audit?householdId=" + owner.householdId() + "&limit=100");
            assertThat(audit.status()).isEqualTo(200);
            assertThat(audit.body()).contains("certificate-adopted");
            assertThat(audit.json().get("chainIntact").asBoolean()).isTrue();
        }
    }

    /** Invites a resident who signs up, accepts and registers a browser. */
    private static Household join(TestHub hub, Household owner, String username) {
        String link = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", "resident"))
                .json()
                .get("link")
                .stringValue();
        Household member = Household.signUp(hub, username);
        assertThat(member.browser()
                        .postJson(
                                "/api/invitations/accept",
                                Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())))
                        .status())
                .isLessThan(300);
        member.browser().registerClient();
        return member;
    }

    private static String fingerprint(TestHub hub) {
        return hub.bean(dev.doorward.hub.pki.HubPki.class).hubCaFingerprint();
    }

    private static List<String> eventIds(BrowserClient browser, String householdId) {
        List<String> ids = new ArrayList<>();
        for (JsonNode e : browser.get("/api/events?householdId=" + householdId).json()) {
            ids.add(e.get("id").stringValue());
        }
        return ids;
    }

    private static List<String> mediaOf(BrowserClient browser, String householdId, String eventId) {
        List<String> kinds = new ArrayList<>();
        for (JsonNode e : browser.get("/api/events?householdId=" + householdId).json()) {
            if (e.get("id").stringValue().equals(eventId)) {
                e.get("media").forEach(k -> kinds.add(k.stringValue()));
            }
        }
        return kinds;
    }

    static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    static List<Path> filesUnder(Path root) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
