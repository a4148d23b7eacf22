package dev.doorward.device.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.DeviceConfig;
import dev.doorward.device.TestQr;
import dev.doorward.device.factory.Factory;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.protocol.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real HTTP to 127.0.0.1, written by hand so the tests control every header (Host included). */
class ControlPanelTest {
    @TempDir
    Path temp;

    private DeviceAgent agent;
    private ControlPanel panel;

    @BeforeEach
    void start() throws IOException {
        MutableClock clock = new MutableClock(Instant.now());
        MintedDevice minted = Factory.mint(temp.resolve("ca"), temp.resolve("device"), clock, new SecureRandom());
        agent = DeviceAgent.start(DeviceConfig.of(minted.deviceDir()).withClock(clock));
        panel = ControlPanel.start(agent, 0);
    }

    @AfterEach
    void stop() {
        panel.close();
        agent.close();
    }

    record Response(int status, String headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            for (String line : headers.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).strip();
                }
            }
            return null;
        }
    }

    private Response request(String method, String path, String host, String extraHeaders, byte[] body)
            throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), panel.port())) {
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            if (host != null) {
                head.append("Host: ").append(host).append("\r\n");
            }
            head.append(extraHeaders);
            head.append("Content-Length: ").append(body.length).append("\r\n");
            head.append("Connection: close\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            byte[] all = readAll(socket.getInputStream());
            String raw = new String(all, StandardCharsets.ISO_8859_1);
            int split = raw.indexOf("\r\n\r\n");
            String headers = raw.substring(0, split);
            int status = Integer.parseInt(headers.substring(9, 12));
            byte[] payload = java.util.Arrays.copyOfRange(all, split + 4, all.length);
            return new Response(status, headers, payload);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    private String host() {
        return "127.0.0.1:" + panel.port();
    }

    private Response get(String path) throws IOException {
        return request("GET", path, host(), "", new byte[0]);
    }

    private Response post(String path, byte[] body) throws IOException {
        return request("POST", path, host(), "X-Doorward-Panel: 1\r\n", body);
    }

    @Test
    void listensOnLoopbackOnly() {
        assertThat(panel.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(panel.url().toString()).startsWith("http://127.0.0.1:");
    }

    @Test
    void servesThePageWithoutInlineScriptAndWithAStrictPolicy() throws IOException {
        Response page = get("/");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text())
                .contains("src=\"/panel.js\"")
                .doesNotContain("<script>")
                .doesNotContain("onclick");
        assertThat(page.header("Content-Security-Policy"))
                .contains("script-src 'self'")
                .doesNotContain("unsafe");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(get("/panel.js").status()).isEqualTo(200);
        assertThat(get("/panel.js").text()).contains("X-Doorward-Panel");
        assertThat(get("/nope").status()).isEqualTo(404);
    }

    @Test
    void refusesAnyOtherHostHeader() throws IOException {
        int port = panel.port();
        for (String host : new String[] {
            "evil.example:" + port,
            "127.0.0.1",
            "localhost",
            "127.0.0.1:" + (port + 1),
            "127.0.0.2:" + port,
            "localhost.evil.example:" + port
        }) {
            assertThat(request("GET", "/state", host, "", new byte[0]).status())
                    .as(host)
                    .isEqualTo(421);
            assertThat(request("POST", "/press", host, "X-Doorward-Panel: 1\r\n", new byte[0])
                            .status())
                    .as(host)
                    .isEqualTo(421);
        }
        assertThat(request("GET", "/state", "localhost:" + port, "", new byte[0])
                        .status())
                .isEqualTo(200);
    }

    @Test
    void refusesPostsWithoutThePanelHeader() throws IOException {
        for (String path : new String[] {"/press", "/hold", "/reset", "/show", "/clear"}) {
            assertThat(request("POST", path, host(), "", new byte[0]).status())
                    .as(path)
                    .isEqualTo(403);
            assertThat(request("POST", path, host(), "X-Doorward-Panel: yes\r\n", new byte[0])
                            .status())
                    .as(path)
                    .isEqualTo(403);
        }
        assertThat(request("PUT", "/press", host(), "X-Doorward-Panel: 1\r\n", new byte[0])
                        .status())
                .isEqualTo(405);
    }

    @Test
    void reportsState() throws IOException {
        Response state = get("/state");

        assertThat(state.status()).isEqualTo(200);
        assertThat(state.header("Content-Type")).isEqualTo("application/json");
        assertThat(state.text())
                .contains("\"serial\":\"" + agent.serial() + "\"")
                .contains("\"ownership\":\"FACTORY_NEW\"")
                .contains("\"deviceId\":null")
                .contains("\"link\":\"DISCONNECTED\"")
                .contains("\"pairing\":true")
                .contains("\"resetDeadline\":null")
                .contains("\"pendingEvents\":0");
    }

    @Test
    void pressAndHoldReachTheAgent() throws IOException {
        assertThat(post("/press", new byte[0]).status()).isEqualTo(204);
        assertThat(post("/hold", new byte[0]).status()).isEqualTo(204);
        assertThat(agent.pairingWindowOpen()).isTrue();
    }

    @Test
    void theResetButtonIsAPhysicalResetOfTheDevice() throws IOException {
        assertThat(get("/").text()).contains("id=\"reset\"");

        // A factory-new device has nothing to reset: the reset just opens its pairing window.
        assertThat(post("/reset", new byte[0]).status()).isEqualTo(204);
        assertThat(agent.pairingWindowOpen()).isTrue();
        assertThat(agent.ownershipState().name()).isEqualTo("FACTORY_NEW");
        assertThat(get("/state").text()).contains("\"resetDeadline\":null");
    }

    @Test
    void showsAPictureToTheCameraAndTakesItAway() throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(TestQr.qr("hello"), "png", png);

        assertThat(post("/show", png.toByteArray()).status()).isEqualTo(204);
        assertThat(agent.camera().showing()).isTrue();
        Response frame = get("/camera.jpg");
        assertThat(frame.status()).isEqualTo(200);
        assertThat(ImageIO.read(new java.io.ByteArrayInputStream(frame.body())).getWidth())
                .isEqualTo(640);

        assertThat(post("/clear", new byte[0]).status()).isEqualTo(204);
        assertThat(agent.camera().showing()).isFalse();
    }

    @Test
    void refusesWhatIsNotAPictureAndWhatIsTooLarge() throws IOException {
        assertThat(post("/show", "<svg/>".getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(415);
        assertThat(post("/show", new byte[5 * 1024 * 1024 + 1]).status()).isEqualTo(413);
        assertThat(agent.camera().showing()).isFalse();
    }
}
