package dev.doorward.hub.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.doorward.crypto.tls.BrokerTls;
import dev.doorward.hub.mqtt.HomeAssistant.Kind;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * One household's connection to its MQTT broker (MQTT 5, TLS, QoS 1). It publishes the discovery configs and the
 * hub's "online" whenever it connects and whenever Home Assistant says it is back online, leaves "offline" as its
 * last will, and reconnects with exponential back-off and jitter — except after wrong credentials, where retrying
 * would only hammer the broker: then it waits until the owner saves the settings again.
 *
 * <p>Callbacks from the MQTT client run on its network threads; anything that may touch the database goes to
 * {@code worker}.
 */
final class BrokerLink {
    private static final Logger log = LoggerFactory.getLogger(BrokerLink.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long FIRST_RETRY_MS = 1_000;
    private static final long LAST_RETRY_MS = 60_000;
    /** A ring the broker could not pass on within this time is no longer news (MQTT 5 message expiry). */
    private static final long EVENT_EXPIRY_SECONDS = 60;

    private final MqttSettings settings;
    private final Mqtt5AsyncClient client;
    private final Executor worker;
    private final StatusListener statusListener;
    private final Consumer<BrokerLink> onConnected;
    private volatile Status status = Status.connecting();
    private volatile boolean closed;
    /** device id → its doorbell as Home Assistant knows it; filled by the worker. */
    final Map<String, MqttIntegrations.Doorbell> doorbells = new ConcurrentHashMap<>();

    /** What the owner sees: connected, connecting, wrong credentials or why the broker cannot be reached. */
    record Status(String state, String detail) {
        static Status connecting() {
            return new Status("connecting", "connecting");
        }

        static Status connected() {
            return new Status("connected", "connected");
        }

        static Status wrongCredentials() {
            return new Status("wrong-credentials", "wrong credentials");
        }

        static Status unreachable(String why) {
            return new Status("unreachable", "cannot reach broker: " + why);
        }
    }

    interface StatusListener {
        void changed(MqttSettings settings, Status previous, Status now);
    }

    BrokerLink(
            MqttSettings settings,
            Executor worker,
            StatusListener statusListener,
            Consumer<BrokerLink> onConnected,
            Consumer<BrokerLink> onHomeAssistantOnline) {
        this.settings = settings;
        this.worker = worker;
        this.statusListener = statusListener;
        this.onConnected = onConnected;
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier("doorward-" + settings.topicId())
                .serverHost(settings.host())
                .serverPort(settings.port())
                .sslConfig()
                .trustManagerFactory(BrokerTls.trust(settings.brokerCaPem()))
                .keyManagerFactory(
                        settings.clientCertificatePem() == null
                                ? null
                                : BrokerTls.clientCertificate(settings.clientCertificatePem(), settings.clientKeyPem()))
                .protocols(BrokerTls.PROTOCOLS)
                .handshakeTimeout(10, TimeUnit.SECONDS)
                .applySslConfig()
                .willPublish()
                .topic(HomeAssistant.hubStatusTopic(settings.topicId()))
                .payload(bytes(HomeAssistant.OFFLINE))
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .applyWillPublish()
                .addConnectedListener(context -> onConnect())
                .addDisconnectedListener(this::disconnected);
        if (settings.username() != null) {
            builder = settings.password() == null
                    ? builder.simpleAuth().username(settings.username()).applySimpleAuth()
                    : builder.simpleAuth()
                            .username(settings.username())
                            .password(bytes(settings.password()))
                            .applySimpleAuth();
        }
        this.client = builder.buildAsync();
        client.publishes(MqttGlobalPublishFilter.SUBSCRIBED, publish -> {
            if (publish.getTopic().toString().equals(HomeAssistant.STATUS_TOPIC)
                    && HomeAssistant.ONLINE.equals(text(publish))) {
                worker.execute(() -> onHomeAssistantOnline.accept(this));
            }
        });
    }

    void start() {
        client.connectWith().cleanStart(true).keepAlive(30).send();
    }

    MqttSettings settings() {
        return settings;
    }

    Status status() {
        return status;
    }

    boolean connected() {
        return status.state().equals("connected");
    }

    /** Publishes one event now (QoS 1, not retained); queued by the client while it reconnects. */
    void publishEvent(MqttIntegrations.Doorbell doorbell, Kind kind) {
        client.publishWith()
                .topic(HomeAssistant.eventTopic(settings.topicId(), doorbell.topicKey(), kind))
                .payload(json(HomeAssistant.event(kind)))
                .qos(MqttQos.AT_LEAST_ONCE)
                .messageExpiryInterval(EVENT_EXPIRY_SECONDS)
                .send();
    }

    void publishAvailability(MqttIntegrations.Doorbell doorbell, boolean online) {
        retain(
                HomeAssistant.availabilityTopic(settings.topicId(), doorbell.topicKey()),
                bytes(online ? HomeAssistant.ONLINE : HomeAssistant.OFFLINE));
    }

    /** The retained discovery configs of one doorbell. */
    void publishConfigs(MqttIntegrations.Doorbell doorbell) {
        for (Kind kind : Kind.values()) {
            retain(
                    HomeAssistant.configTopic(doorbell.topicKey(), kind),
                    json(HomeAssistant.config(settings.topicId(), doorbell.topicKey(), doorbell.name(), kind)));
        }
    }

    /** Takes a doorbell out of Home Assistant (an empty retained config removes the entity). */
    void removeConfigs(MqttIntegrations.Doorbell doorbell) {
        for (Kind kind : Kind.values()) {
            retain(HomeAssistant.configTopic(doorbell.topicKey(), kind), new byte[0]);
        }
        retain(HomeAssistant.availabilityTopic(settings.topicId(), doorbell.topicKey()), new byte[0]);
    }

    void publishHubOnline() {
        retain(HomeAssistant.hubStatusTopic(settings.topicId()), bytes(HomeAssistant.ONLINE));
    }

    /**
     * Ends the connection. With {@code forget}, the household turned the integration off: its entities leave Home
     * Assistant first (empty retained configs), then the hub says offline.
     */
    void close(boolean forget) {
        closed = true;
        if (forget && connected()) {
            doorbells.values().forEach(this::removeConfigs);
            retain(HomeAssistant.hubStatusTopic(settings.topicId()), new byte[0]);
            client.disconnect().orTimeout(5, TimeUnit.SECONDS);
        } else {
            // The broker then publishes the last will: Home Assistant shows the doorbells unavailable.
            client.disconnectWith()
                    .reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE)
                    .send()
                    .orTimeout(5, TimeUnit.SECONDS);
        }
    }

    private void retain(String topic, byte[] payload) {
        client.publishWith()
                .topic(topic)
                .payload(payload)
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .send();
    }

    private void onConnect() {
        setStatus(Status.connected());
        client.subscribeWith()
                .topicFilter(HomeAssistant.STATUS_TOPIC)
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
        worker.execute(() -> onConnected.accept(this));
    }

    private void disconnected(MqttClientDisconnectedContext context) {
        if (closed || context.getSource() == MqttDisconnectSource.USER) {
            return;
        }
        Throwable cause = context.getCause();
        if (cause instanceof Mqtt5ConnAckException refused
                && refusedCredentials(refused.getMqttMessage().getReasonCode())) {
            setStatus(Status.wrongCredentials());
            context.getReconnector().reconnect(false);
            return;
        }
        setStatus(Status.unreachable(describe(cause)));
        long attempts = context.getReconnector().getAttempts();
        long delay = (long) Math.min(FIRST_RETRY_MS * Math.pow(2, Math.min(attempts, 16)), LAST_RETRY_MS);
        // Full jitter, so the hubs of a street do not come back to one broker in step.
        long jittered = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        context.getReconnector().reconnect(true).republishIfSessionExpired(true).delay(jittered, TimeUnit.MILLISECONDS);
    }

    private static boolean refusedCredentials(Mqtt5ConnAckReasonCode code) {
        return code == Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD
                || code == Mqtt5ConnAckReasonCode.NOT_AUTHORIZED
                || code == Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD;
    }

    /** Why the broker cannot be reached, in a few words, never quoting a secret (the client's messages have none). */
    static String describe(Throwable cause) {
        if (cause == null) {
            return "connection lost";
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException || t instanceof javax.net.ssl.SSLException) {
                return "TLS failed (is the broker CA right, and the host name in its certificate?)";
            }
            if (t instanceof java.net.ConnectException) {
                return "connection refused or timed out";
            }
            if (t instanceof java.net.UnknownHostException) {
                return "unknown host";
            }
        }
        if (cause instanceof Mqtt5ConnAckException refused) {
            return "the broker refused the connection ("
                    + refused.getMqttMessage().getReasonCode() + ")";
        }
        String message =
                cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return message.length() > 160 ? message.substring(0, 160) : message;
    }

    private void setStatus(Status now) {
        Status previous = status;
        status = now;
        if (!previous.equals(now)) {
            log.info("MQTT broker of household {}: {}", settings.householdId(), now.detail());
            worker.execute(() -> statusListener.changed(settings, previous, now));
        }
    }

    private static byte[] json(Map<String, Object> value) {
        return JSON.writeValueAsBytes(value);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Mqtt5Publish publish) {
        return new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }
}
