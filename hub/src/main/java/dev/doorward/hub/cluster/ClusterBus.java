package dev.doorward.hub.cluster;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.database.HealthPart;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Conditional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * This node's connection to the cluster's NATS servers and the one subject every node publishes on and listens to (one
 * subject, so the messages of one node arrive at the others in the order it sent them). It logs in with the password
 * derived from the join secret, reconnects forever, and never makes a caller wait: a message published while NATS is
 * unreachable is dropped and counted, nothing is queued meanwhile. While it is down the node says it is degraded and
 * keeps serving its own doorbells and members.
 */
@Component
@Conditional(Clustered.class)
public class ClusterBus implements SmartLifecycle, HealthPart {
    private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);
    static final String SUBJECT = "doorward.cluster";

    private final HubProperties.Cluster settings;
    private final ApplicationEventPublisher events;
    private final String password;
    private final SealedMessages messages;
    private final Map<String, Consumer<JsonNode>> handlers = new ConcurrentHashMap<>();
    private final Map<String, Function<JsonNode, JsonNode>> answerers = new ConcurrentHashMap<>();
    private final AtomicLong unsent = new AtomicLong();

    private volatile Connection connection;
    private volatile boolean up;
    private volatile boolean running;
    private volatile String lastError = "";

    ClusterBus(HubProperties properties, Clock clock, ApplicationEventPublisher events) {
        this.settings = properties.cluster();
        this.events = events;
        JoinSecret secret = JoinSecret.read(settings.joinSecretFile());
        this.password = ClusterKeys.natsPassword(secret);
        this.messages = new SealedMessages(ClusterKeys.messageKey(secret), settings.nodeName(), clock);
    }

    /** Who handles messages of a kind; set by the cluster's parts when they are made, before the bus starts. */
    void on(String kind, Consumer<JsonNode> handler) {
        if (handlers.putIfAbsent(kind, handler) != null) {
            throw new IllegalStateException("Two handlers for cluster messages of kind " + kind);
        }
    }

    /**
     * Sends to every other node. Returns at once, never throws: when NATS is unreachable (or this node's outgoing
     * queue is full) the message is dropped and counted.
     */
    void publish(String kind, JsonNode body) {
        Connection current = connection;
        if (!up || current == null) {
            unsent.incrementAndGet();
            return;
        }
        try {
            current.publish(SUBJECT, messages.seal(kind, body));
        } catch (RuntimeException e) {
            unsent.incrementAndGet();
            log.debug("A cluster message of kind {} was not sent: {}", kind, e.toString());
        }
    }

    /**
     * The connection once it was first made (jnats keeps it, and every subscription made on it, across reconnects);
     * null before. For live media, which travels on its own subjects without this bus's envelope.
     */
    Connection connectionOrNull() {
        return connection;
    }

    /** The subject only this node listens to: questions addressed to it (see {@link #ask}). */
    static String nodeSubject(String node) {
        return SUBJECT + ".node." + node;
    }

    /** Who answers questions of a kind addressed to this node; set when the cluster's parts are made. */
    void answer(String kind, Function<JsonNode, JsonNode> answerer) {
        if (answerers.putIfAbsent(kind, answerer) != null) {
            throw new IllegalStateException("Two answerers for cluster questions of kind " + kind);
        }
    }

    /** Why a question got no answer. */
    enum NoAnswer {
        /** NATS is unreachable from here. */
        UNREACHABLE,
        /** No node of that name listens (stopped, killed or cut off): NATS says so at once. */
        NO_SUCH_NODE,
        /** It did not answer in time, or its answer was not authentic. */
        SILENT
    }

    /** A question's outcome: the answer's body, or why there is none. */
    record Answer(Optional<JsonNode> body, NoAnswer missing) {
        static Answer of(JsonNode body) {
            return new Answer(Optional.of(body), null);
        }

        static Answer none(NoAnswer why) {
            return new Answer(Optional.empty(), why);
        }
    }

    /**
     * Asks one node (NATS request-reply on its own subject), sealed like every message and naming the node it is for,
     * and waits at most {@code within} for its sealed answer. A node that is gone is known at once (NATS has no
     * responder for its subject), so nothing waits for the dead. Never called on the bus's own dispatcher thread.
     */
    Answer ask(String node, String kind, ObjectNode body, Duration within) {
        Connection current = connection;
        if (!up || current == null) {
            unsent.incrementAndGet();
            return Answer.none(NoAnswer.UNREACHABLE);
        }
        String asking = RandomIds.newId();
        body.put("to", node).put("asking", asking);
        try {
            Message reply = current.request(nodeSubject(node), messages.seal(kind, body))
                    .get(within.toMillis(), TimeUnit.MILLISECONDS);
            return messages.open(reply.getData())
                    .filter(opened -> opened.node().equals(node)
                            && opened.kind().equals(kind + ".answer")
                            && asking.equals(opened.body().path("asking").asString("")))
                    .map(opened -> Answer.of(opened.body()))
                    .orElseGet(() -> Answer.none(NoAnswer.SILENT));
        } catch (CancellationException e) {
            // jnats cancels the request when the server reports no responders for the subject (status 503).
            return Answer.none(NoAnswer.NO_SUCH_NODE);
        } catch (TimeoutException | ExecutionException | RuntimeException e) {
            return Answer.none(NoAnswer.SILENT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.none(NoAnswer.SILENT);
        }
    }

    String nodeName() {
        return settings.nodeName();
    }

    @Override
    public String name() {
        return "cluster";
    }

    /** Whether this node can reach the other nodes now. */
    @Override
    public boolean up() {
        return up;
    }

    @Override
    public String downMeans() {
        return "cluster messaging unavailable";
    }

    /** Messages from other nodes dropped for this reason. */
    long refused(SealedMessages.Refusal reason) {
        return messages.refused(reason);
    }

    /** Messages this node could not send (NATS unreachable). */
    long unsent() {
        return unsent.get();
    }

    @Override
    public void start() {
        Options options = new Options.Builder()
                .servers(settings.natsUrls().toArray(String[]::new))
                .userInfo(ClusterKeys.NATS_USER, password)
                .connectionName("doorward-" + settings.nodeName())
                // This node's own messages are not sent back to it.
                .noEcho()
                .maxReconnects(-1)
                .reconnectWait(Duration.ofSeconds(1))
                .connectionTimeout(Duration.ofSeconds(2))
                // A server that vanished without closing the connection is noticed within about 10 s.
                .pingInterval(Duration.ofSeconds(5))
                // Nothing waits for NATS to come back: what cannot be sent now is dropped (and counted).
                .reconnectBufferSize(0)
                .maxMessagesInOutgoingQueue(10_000)
                .discardMessagesWhenOutgoingQueueFull()
                .connectionListener(this::connectionEvent)
                .errorListener(new Errors())
                .build();
        running = true;
        try {
            Nats.connectAsynchronously(options, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting the cluster connection", e);
        }
        log.info("Cluster node {} connecting to NATS at {}", settings.nodeName(), settings.natsUrls());
    }

    private void connectionEvent(Connection conn, ConnectionListener.Events event) {
        if (!running) {
            // A connection that came up after this node stopped (it was still trying) is not kept.
            if (event != ConnectionListener.Events.CLOSED) {
                Thread.ofVirtual().start(() -> close(conn));
            }
            return;
        }
        switch (event) {
            case CONNECTED, RECONNECTED, RESUBSCRIBED -> {
                subscribeOnce(conn);
                changed(true);
            }
            case DISCONNECTED, CLOSED -> changed(false);
            default -> {
                // discovered servers, lame duck: nothing changes for this node yet
            }
        }
    }

    /** The subscription is made once; jnats renews it after every reconnect. */
    private synchronized void subscribeOnce(Connection conn) {
        if (connection == null) {
            Dispatcher dispatcher = conn.createDispatcher(this::received);
            dispatcher.subscribe(SUBJECT);
            // Questions addressed to this node, on the same dispatcher: in order with what the cluster told it.
            dispatcher.subscribe(nodeSubject(settings.nodeName()), message -> asked(conn, message));
            connection = conn;
        }
    }

    private void changed(boolean nowUp) {
        if (up != nowUp) {
            up = nowUp;
            if (nowUp) {
                log.info("Cluster messaging is up (node {})", settings.nodeName());
            } else if (running) {
                log.warn(
                        "Degraded: cluster messaging unavailable; node {} serves its own doorbells and members"
                                + " until NATS is back",
                        settings.nodeName());
            }
            if (running) {
                events.publishEvent(new ClusterMessagingChanged(nowUp));
            }
        }
    }

    private void received(Message message) {
        messages.open(message.getData()).ifPresent(opened -> {
            Consumer<JsonNode> handler = handlers.get(opened.kind());
            if (handler == null) {
                log.debug("A cluster message of an unknown kind from node {}", opened.node());
                return;
            }
            try {
                handler.accept(opened.body());
            } catch (RuntimeException e) {
                // Never the content: it may name sessions or members.
                log.warn(
                        "A cluster message of kind {} from node {} failed: {}",
                        opened.kind(),
                        opened.node(),
                        e.getClass().getSimpleName());
            }
        });
    }

    /** A question for this node: answered (sealed) only when it is authentic, fresh and names this very node. */
    private void asked(Connection conn, Message message) {
        String replyTo = message.getReplyTo();
        messages.open(message.getData()).ifPresent(opened -> {
            Function<JsonNode, JsonNode> answerer = answerers.get(opened.kind());
            if (answerer == null
                    || replyTo == null
                    || !settings.nodeName().equals(opened.body().path("to").asString(""))) {
                log.debug("A cluster question this node does not answer, from node {}", opened.node());
                return;
            }
            try {
                JsonNode answer = answerer.apply(opened.body());
                ObjectNode sealed =
                        answer instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
                sealed.put("asking", opened.body().path("asking").asString(""));
                conn.publish(replyTo, messages.seal(opened.kind() + ".answer", sealed));
            } catch (RuntimeException e) {
                log.warn(
                        "A cluster question of kind {} from node {} failed: {}",
                        opened.kind(),
                        opened.node(),
                        e.getClass().getSimpleName());
            }
        });
    }

    @Override
    public void stop() {
        running = false;
        up = false;
        close(connection);
    }

    private static void close(Connection conn) {
        if (conn != null) {
            try {
                conn.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Logs what NATS says is wrong once per change, not once per reconnect attempt. */
    private final class Errors implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            if (!error.equals(lastError)) {
                lastError = error;
                if (error.toLowerCase(java.util.Locale.ROOT).contains("authorization")) {
                    log.error(
                            "NATS refused node {}'s login: is its join secret the cluster's? ({})",
                            settings.nodeName(),
                            error);
                } else {
                    log.warn("NATS reports: {}", error);
                }
            }
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            log.debug("NATS connection: {}", exp.toString());
        }
    }
}
