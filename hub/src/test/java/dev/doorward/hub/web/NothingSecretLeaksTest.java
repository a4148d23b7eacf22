package dev.doorward.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.setup.SetupCodes;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.hub.link.LinkTaps;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * After a whole claim and ring (and a wrong-code attempt), neither the database, nor the logs, nor the
 * decrypted device-link traffic, nor any file the hub wrote holds a setup code, and nothing the device sent
 * names a network or an address.
 */
@ExtendWith(OutputCaptureExtension.class)
class NothingSecretLeaksTest {
    @TempDir
    Path dir;

    @Test
    void setupCodesNetworkNamesAndAddressesAreNowhere(CapturedOutput output) throws IOException {
        try (TestHub hub = TestHub.start(dir)) {
            ConcurrentLinkedQueue<String> fromDevice = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> allTraffic = new ConcurrentLinkedQueue<>();
            hub.bean(LinkTaps.class).add((direction, text) -> {
                allTraffic.add(text);
                if (direction == LinkTaps.Direction.FROM_DEVICE) {
                    fromDevice.add(text);
                }
            });
            Household owner = Household.firstOwner(hub);
            MintedDevice minted = hub.mintDevice("front");
            // A wrong code first (the hub holds a typed code in memory while a ticket is open), then the right one.
            DeviceAgent agent = hub.startDevice(minted);
            String wrongCode = minted.setupCode().equals("2718281828") ? "3141592653" : "2718281828";
            Household.ClaimQr wrong = owner.startClaim(wrongCode);
            agent.camera().show(wrong.image());
            awaitRefused(owner, wrong.handle());
            agent.close();
            DeviceAgent owned = owner.claim(hub, minted);
            owned.pressButton();

            List<String> secrets = List.of(
                    minted.setupCode(), SetupCodes.format(minted.setupCode()), wrongCode, SetupCodes.format(wrongCode));

            String database = dumpDatabase(hub.bean(JdbcClient.class));
            assertThat(database).contains(minted.serial()); // the dump is real
            for (String secret : secrets) {
                assertThat(database).doesNotContain(secret);
                assertThat(output.getAll()).doesNotContain(secret);
                assertThat(String.join("\n", allTraffic)).doesNotContain(secret);
                assertThat(filesUnder(hub.dataDir())).doesNotContain(secret);
            }

            String deviceSaid = String.join("\n", fromDevice).toLowerCase(Locale.ROOT);
            assertThat(deviceSaid).contains("hello").contains("ring");
            assertThat(deviceSaid)
                    .doesNotContain("ssid")
                    .doesNotContain("wifi")
                    .doesNotContain("wi-fi")
                    .doesNotContain("password");
            for (String address : localAddresses()) {
                assertThat(deviceSaid).doesNotContain(address.toLowerCase(Locale.ROOT));
            }
            assertThat(deviceSaid).doesNotContainPattern("\\b\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\b");
        }
    }

    static void awaitRefused(Household owner, String handle) {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            if ("refused"
                    .equals(owner.browser()
                            .get("/api/claims/" + handle)
                            .json()
                            .get("state")
                            .stringValue())) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new AssertionError("the wrong code was never refused");
    }

    static String dumpDatabase(JdbcClient jdbc) {
        List<String> tables = jdbc.sql("select tablename from pg_tables where schemaname = 'public'")
                .query(String.class)
                .list();
        StringBuilder dump = new StringBuilder();
        for (String table : tables) {
            jdbc.sql("select row_to_json(t)::text from \"" + table + "\" t")
                    .query(String.class)
                    .list()
                    .forEach(row -> dump.append(row).append('\n'));
        }
        return dump.toString();
    }

    /** Text of every regular file the hub wrote (the database's files are binary but searched as bytes too). */
    static String filesUnder(Path root) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                try {
                    all.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    // a file the database removed meanwhile
                }
            }
        }
        return all.toString();
    }

    static List<String> localAddresses() throws IOException {
        List<String> addresses = new ArrayList<>();
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            for (InetAddress address : nic.inetAddresses().toList()) {
                addresses.add(address.getHostAddress().replaceAll("%.*", ""));
            }
        }
        String hostName = InetAddress.getLocalHost().getHostName();
        if (hostName.length() >= 6 && !hostName.equals("localhost")) {
            addresses.add(hostName);
        }
        return addresses;
    }
}
