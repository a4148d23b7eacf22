package dev.doorward.hub.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each port listens on the address its setting names and on no other: with every port set to 127.0.0.1, the hub
 * answers there and a connection to 127.0.0.2 (loopback too, and reachable when a port listens on every address)
 * is refused.
 */
class BindAddressTest {
    @TempDir
    Path dir;

    @Test
    void eachPortListensOnlyOnItsAddress() throws IOException {
        try (TestHub hub = TestHub.start(
                dir,
                Map.of(
                        "doorward.addresses.browser", "127.0.0.1",
                        "doorward.addresses.device", "127.0.0.1",
                        "doorward.addresses.live", "127.0.0.1",
                        "doorward.addresses.http-redirect", "127.0.0.1",
                        "doorward.http-redirect-port", "0"))) {
            HubPorts ports = hub.bean(HubPorts.class);
            assertThat(ports.redirectPort()).isPositive();
            for (int port :
                    new int[] {ports.browserPort(), ports.devicePort(), ports.livePort(), ports.redirectPort()}) {
                assertThat(connects("127.0.0.1", port))
                        .as("port " + port + " on 127.0.0.1")
                        .isTrue();
                assertThatThrownBy(() -> connects("127.0.0.2", port))
                        .as("port " + port + " on 127.0.0.2")
                        .isInstanceOf(ConnectException.class);
            }
            // And it works there: the owner signs in on the browser port.
            Household.firstOwner(hub);
        }
    }

    private static boolean connects(String address, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2_000);
            return socket.isConnected();
        }
    }
}
