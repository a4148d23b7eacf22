package dev.doorward.hub.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.doorward.crypto.tls.BrokerTls;
import dev.doorward.hub.testing.Mosquitto;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Another client of the broker, as Home Assistant is: it subscribes to everything and keeps what it received. */
final class BrokerCapture implements AutoCloseable {
    record Message(String topic, byte[] payload, boolean retained, long receivedNanos) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final Mqtt5BlockingClient client;
    final List<Message> messages = new CopyOnWriteArrayList<>();

    private BrokerCapture(Mqtt5BlockingClient client) {
        this.client = client;
    }

    static BrokerCapture connect(Mosquitto broker, String username, String password) {
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier("capture-" + System.nanoTime())
                .serverHost("localhost")
                .serverPort(broker.port())
                .sslConfig()
                .trustManagerFactory(BrokerTls.trust(broker.caPem()))
                .applySslConfig()
                .simpleAuth()
                .username(username)
                .password(password.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildBlocking();
        BrokerCapture capture = new BrokerCapture(client);
        client.toAsync()
                .publishes(
                        MqttGlobalPublishFilter.ALL,
                        publish -> capture.messages.add(new Message(
                                publish.getTopic().toString(),
                                publish.getPayloadAsBytes(),
                                publish.isRetain(),
                                System.nanoTime())));
        client.connect();
        client.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).send();
        return capture;
    }

    /** Says something as Home Assistant does, e.g. "online" on homeassistant/status. */
    void publish(String topic, String text) {
        client.publishWith()
                .topic(topic)
                .payload(text.getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
    }

    Optional<Message> await(Predicate<Message> matching, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Message> found = messages.stream().filter(matching).findFirst();
            if (found.isPresent() || System.nanoTime() > deadline) {
                return found;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    long count(Predicate<Message> matching) {
        return messages.stream().filter(matching).count();
    }

    @Override
    public void close() {
        try {
            client.disconnect();
        } catch (RuntimeException e) {
            // the broker may be gone already
        }
    }
}
