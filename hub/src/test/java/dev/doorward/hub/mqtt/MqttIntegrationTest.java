package dev.doorward.hub.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.Mosquitto;
import dev.doorward.hub.testing.TestHub;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The doorbell in Home Assistant over Debian's Mosquitto (TLS, passwords): the owner connects the household, the
 * broker gets Home Assistant's discovery configs (equal to the golden files written from its documentation), a
 * press reaches Home Assistant within 100 ms, a broker restart loses no ring published while it was up and gets
 * the configs again, and nothing the broker ever saw names a member, a serial or carries a picture.
 */
class MqttIntegrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String HUB_PASSWORD = "broker password for the hub";
    private static final String HA_PASSWORD = "broker password for home assistant";

    @TempDir
    Path dir;

    @Test
    void homeAssistantHearsTheDoorbellAndNothingElse() throws Exception {
        try (Mosquitto broker =
                        Mosquitto.start(dir.resolve("broker"), "doorward", HUB_PASSWORD, "homeassistant", HA_PASSWORD);
                TestHub hub = TestHub.start(dir.resolve("hub"))) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            BrowserClient browser = owner.browser();
            String path = "/api/households/" + owner.householdId() + "/integrations/mqtt";
            List<BrokerCapture.Message> everything = new ArrayList<>();
            BrokerCapture capture = BrokerCapture.connect(broker, "homeassistant", HA_PASSWORD);

            assertThat(browser.get(path).json().get("enabled").asBoolean()).isFalse();

            // Bad settings are refused with a reason, and nothing is stored.
            assertThat(browser.putJson(path, Map.of("port", 8883)).status()).isEqualTo(400);
            assertThat(browser.putJson(path, Map.of("host", "localhost", "port", 0))
                            .status())
                    .isEqualTo(400);
            BrowserClient.Response badCa = browser.putJson(path, Map.of("host", "localhost", "brokerCa", "not a pem"));
            assertThat(badCa.status()).isEqualTo(400);
            assertThat(badCa.body()).contains("The broker CA is not a PEM certificate");
            String[] client = broker.clientCertificate();
            assertThat(browser.putJson(path, Map.of("host", "localhost", "clientCertificate", client[0]))
                            .body())
                    .contains("A client certificate needs its key");
            assertThat(browser.get(path).json().get("enabled").asBoolean()).isFalse();

            // Wrong credentials: the owner is told in words, and the security log says so.
            Map<String, Object> settings = new HashMap<>(Map.of(
                    "host", "localhost",
                    "port", broker.port(),
                    "username", "doorward",
                    "password", "not the password",
                    "brokerCa", broker.caPem()));
            assertThat(browser.putJson(path, settings).status()).isEqualTo(200);
            assertThat(await(() -> "wrong credentials"
                            .equals(browser.get(path).json().get("status").asString())))
                    .as(browser.get(path).body())
                    .isTrue();
            assertThat(browser.get("/api/audit?householdId=" + owner.householdId())
                            .body())
                    .contains("mqtt-wrong-credentials");

            // The right password: connected, and GET never shows it.
            settings.put("password", HUB_PASSWORD);
            assertThat(browser.putJson(path, settings).status()).isEqualTo(200);
            assertThat(await(() -> "connected"
                            .equals(browser.get(path).json().get("status").asString())))
                    .as(browser.get(path).body())
                    .isTrue();
            JsonNode view = browser.get(path).json();
            assertThat(view.get("passwordSet").asBoolean()).isTrue();
            assertThat(browser.get(path).body()).doesNotContain(HUB_PASSWORD).doesNotContain("BEGIN");
            String topicId = view.get("topicPrefix").asString().substring("doorward/".length());

            // The discovery configs are Home Assistant's, as documented.
            for (String kind : List.of("ring", "motion", "tamper")) {
                BrokerCapture.Message config = capture.await(
                                m -> m.topic().startsWith("homeassistant/event/doorward_")
                                        && m.topic().endsWith("/" + kind + "/config"),
                                Duration.ofSeconds(10))
                        .orElseThrow(() -> new AssertionError("no " + kind + " config"));
                String key = config.topic().split("/")[2].substring("doorward_".length());
                assertThat(key).hasSize(22).isNotEqualTo(doorbell.deviceId().orElseThrow());
                assertThat(JSON.readTree(config.payload())).isEqualTo(golden(kind, topicId, key));
            }
            String key = capture.await(m -> m.topic().endsWith("/ring/config"), Duration.ZERO)
                    .orElseThrow()
                    .topic()
                    .split("/")[2]
                    .substring("doorward_".length());
            String ringTopic = "doorward/" + topicId + "/" + key + "/ring";
            assertThat(capture.await(
                            m -> m.topic().equals("doorward/" + topicId + "/status")
                                    && m.text().equals("online"),
                            Duration.ofSeconds(5)))
                    .isPresent();
            assertThat(capture.await(
                            m -> m.topic().equals("doorward/" + topicId + "/" + key + "/availability")
                                    && m.text().equals("online"),
                            Duration.ofSeconds(5)))
                    .isPresent();

            // A press reaches Home Assistant within 100 ms of the hub hearing it, every time. The open app's stream
            // is the hub's clock here: it hears the ring from the same notifier call (the doorbell's own way to the
            // hub, with its outbox written first, is not the MQTT channel's to count; it is reported too).
            List<Long> latencies = new ArrayList<>();
            List<Long> fromPress = new ArrayList<>();
            BrowserClient.Stream app = browser.openStream();
            assertThat(app.awaitType("hello", Duration.ofSeconds(5))).isPresent();
            for (int i = 0; i < 5; i++) {
                long before = capture.count(m -> m.topic().equals(ringTopic));
                long pressed = System.nanoTime();
                doorbell.pressButton().orElseThrow();
                assertThat(app.awaitType("ring", Duration.ofSeconds(5))).isPresent();
                long atTheHub = System.nanoTime();
                BrokerCapture.Message ring = capture.await(
                                m -> m.topic().equals(ringTopic)
                                        && capture.count(n -> n.topic().equals(ringTopic)) > before,
                                Duration.ofSeconds(5))
                        .orElseThrow(() -> new AssertionError("no ring"));
                BrokerCapture.Message latest = capture.messages.stream()
                        .filter(m -> m.topic().equals(ringTopic))
                        .reduce((a, b) -> b)
                        .orElseThrow();
                latencies.add((latest.receivedNanos() - atTheHub) / 1_000_000);
                fromPress.add((latest.receivedNanos() - pressed) / 1_000_000);
                assertThat(JSON.readTree(ring.payload())).isEqualTo(JSON.readTree("{\"event_type\":\"ring\"}"));
                Thread.sleep(50);
            }
            System.out.println("Ring to Home Assistant, ms after the hub heard it: " + latencies
                    + "; after the press at the door: " + fromPress);
            assertThat(latencies).as("hub to Home Assistant, ms").allMatch(ms -> ms < 100);
            assertThat(fromPress).as("press to Home Assistant, ms").allMatch(ms -> ms < 2_000);

            // Tamper is an event too.
            doorbell.tamper().orElseThrow();
            assertThat(capture.await(
                            m -> m.topic().equals("doorward/" + topicId + "/" + key + "/tamper"),
                            Duration.ofSeconds(5)))
                    .isPresent();

            // Home Assistant restarted: it says "online", and gets every config again.
            long configsBefore = capture.count(m -> m.topic().endsWith("/config"));
            capture.publish("homeassistant/status", "online");
            assertThat(await(() -> capture.count(m -> m.topic().endsWith("/config")) >= configsBefore + 3))
                    .isTrue();

            // The broker goes away: the owner sees why; nothing published while it was up was lost.
            assertThat(capture.count(m -> m.topic().equals(ringTopic))).isEqualTo(5);
            everything.addAll(capture.messages);
            capture.close();
            broker.stop();
            assertThat(await(() ->
                            browser.get(path).json().get("status").asString().startsWith("cannot reach broker: ")))
                    .as(browser.get(path).body())
                    .isTrue();

            // It comes back with nothing retained: the hub reconnects and announces the doorbell again.
            broker.start();
            BrokerCapture again = BrokerCapture.connect(broker, "homeassistant", HA_PASSWORD);
            assertThat(await(() -> "connected"
                            .equals(browser.get(path).json().get("status").asString())))
                    .isTrue();
            assertThat(again.await(m -> m.topic().endsWith("/ring/config"), Duration.ofSeconds(10)))
                    .isPresent();
            doorbell.pressButton().orElseThrow();
            assertThat(again.await(m -> m.topic().equals(ringTopic), Duration.ofSeconds(5)))
                    .isPresent();

            // A broker that wants a client certificate: refused without one, connected with the one its CA issued.
            Map<String, Object> strict = new HashMap<>(settings);
            strict.put("port", broker.clientCertificatePort());
            assertThat(browser.putJson(path, strict).status()).isEqualTo(200);
            assertThat(await(() ->
                            browser.get(path).json().get("status").asString().startsWith("cannot reach broker: ")))
                    .as(browser.get(path).body())
                    .isTrue();
            strict.put("clientCertificate", client[0]);
            strict.put("clientKey", broker.clientCertificate()[1]);
            assertThat(browser.putJson(path, strict).body())
                    .contains("The client key does not belong to the client certificate");
            strict.put("clientKey", client[1]);
            assertThat(browser.putJson(path, strict).status()).isEqualTo(200);
            assertThat(await(() -> "connected"
                            .equals(browser.get(path).json().get("status").asString())))
                    .as(browser.get(path).body())
                    .isTrue();
            assertThat(browser.get(path).json().get("clientCertificateSet").asBoolean())
                    .isTrue();
            assertThat(browser.get(path).body()).doesNotContain("PRIVATE KEY");

            // Turned off: the doorbell leaves Home Assistant (empty retained configs).
            assertThat(browser.delete(path).status()).isEqualTo(204);
            assertThat(again.await(
                            m -> m.topic().endsWith("/ring/config") && m.payload().length == 0, Duration.ofSeconds(5)))
                    .isPresent();
            assertThat(browser.get(path).json().get("enabled").asBoolean()).isFalse();
            everything.addAll(again.messages);
            again.close();

            // Everything the broker saw: only our topics, small JSON or a word, no picture, serial, id or member.
            String serial = doorbell.serial();
            for (BrokerCapture.Message m : everything) {
                String all = m.topic() + " " + m.text();
                assertThat(m.topic()).matches("(homeassistant/.*|doorward/" + topicId + "/.*)");
                assertThat(m.payload().length).as(m.topic()).isLessThan(1024);
                assertThat(all)
                        .doesNotContain(serial)
                        .doesNotContain(doorbell.deviceId().orElseThrow())
                        .doesNotContain(owner.householdId())
                        .doesNotContainIgnoringCase(owner.username())
                        .doesNotContain("\u00ff\u00d8");
                if (m.payload().length > 0 && m.text().startsWith("{")) {
                    JSON.readTree(m.payload());
                }
            }
            assertThat(everything).isNotEmpty();
        }
    }

    private static JsonNode golden(String kind, String topicId, String key) throws IOException {
        try (InputStream in = MqttIntegrationTest.class.getResourceAsStream("/homeassistant/" + kind + ".json")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("{topicId}", topicId)
                    .replace("{key}", key);
            return JSON.readTree(text);
        }
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
