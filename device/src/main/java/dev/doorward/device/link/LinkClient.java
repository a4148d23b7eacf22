package dev.doorward.device.link;

import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.Limits;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.FromDevice;
import dev.doorward.protocol.LinkMessage.FromHub;
import dev.doorward.protocol.LinkMessage.Heartbeat;
import dev.doorward.protocol.LinkMessage.HeartbeatAck;
import dev.doorward.protocol.LinkMessage.Hello;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.Welcome;
import dev.doorward.protocol.ProtocolException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An owned device's persistent link to its hub: connect, say hello, keep the connection alive with
 * heartbeats, and reconnect with back-off when it drops. All state lives on one executor thread; the public
 * methods only enqueue work there, so callers never block and never race.
 *
 * <p>What the hub sends is validated by the codec; a message that does not pass is answered with a
 * {@link LinkError} and logged without its content, and never ends the connection by itself.
 */
public final class LinkClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LinkClient.class);
    public static final String AGENT = "doorward-device/0.1";
    /** Heartbeats sent without an answer before the connection counts as dead. */
    static final int MAX_MISSED_HEARTBEATS = 2;

    /** What the link reports to the agent, always on the link's executor. */
    public interface Handler {
        /** The hub welcomed the device: send what is pending. */
        void connected(Welcome welcome);

        /** A valid message from the hub other than the link's own (welcome, heartbeat ack, error). */
        void received(FromHub message);

        /**
         * A binary message (a talk part) on a welcomed connection. Called on the transport's thread, not the
         * link's executor, so media never waits behind control work.
         */
        default void receivedBinary(ByteBuffer message) {}
    }

    private final URI hubUrl;
    private final String deviceId;
    private final Transport transport;
    private final ScheduledExecutorService executor;
    private final Backoff backoff;
    private final Clock clock;
    private final Optional<Duration> heartbeatOverride;
    private final Handler handler;
    private final Consumer<LinkState> stateListener;

    // Confined to the executor.
    private LinkState state = LinkState.DISCONNECTED;
    private long epoch;
    private Transport.Connection connection;
    private boolean welcomed;
    /** The welcomed connection, readable from media threads; null while there is none. */
    private volatile Transport.Connection mediaConnection;

    private boolean closed;
    private long heartbeatSequence;
    private int missedHeartbeats;
    private ScheduledFuture<?> heartbeats;
    private ScheduledFuture<?> reconnect;

    public LinkClient(
            URI hubUrl,
            String deviceId,
            Transport transport,
            ScheduledExecutorService executor,
            Backoff backoff,
            Clock clock,
            Optional<Duration> heartbeatOverride,
            Handler handler,
            Consumer<LinkState> stateListener) {
        this.hubUrl = Objects.requireNonNull(hubUrl, "hubUrl");
        this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.heartbeatOverride = Objects.requireNonNull(heartbeatOverride, "heartbeatOverride");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.stateListener = Objects.requireNonNull(stateListener, "stateListener");
    }

    public void start() {
        run(this::connect);
    }

    /** Sends if the hub has welcomed this connection; otherwise drops it (the outbox resends on connect). */
    public void send(FromDevice message) {
        run(() -> {
            if (welcomed && connection != null) {
                connection.send(LinkCodec.encode(message));
            }
        });
    }

    /** Above this many queued bytes a media sender should skip frames rather than queue more. */
    public static final long MEDIA_BACKLOG_LIMIT = 1024 * 1024;

    /**
     * Sends a binary media part straight away from the caller's thread, in order with everything else sent on
     * the connection. False when no welcomed connection is open.
     */
    public boolean sendBinary(ByteBuffer message) {
        Transport.Connection open = mediaConnection;
        if (open == null) {
            return false;
        }
        open.sendBinary(message);
        return true;
    }

    /**
     * Sends a control message and then binary parts, in that order on the same connection (an event media
     * upload). Dropped, like {@link #send}, when no welcomed connection is open; false in that case.
     */
    public void sendWithParts(FromDevice message, List<ByteBuffer> parts) {
        run(() -> {
            if (welcomed && connection != null) {
                connection.send(LinkCodec.encode(message));
                parts.forEach(connection::sendBinary);
            }
        });
    }

    /** Media bytes queued on the connection; a sender skips whole frames while this is high. */
    public long mediaBacklog() {
        Transport.Connection open = mediaConnection;
        return open == null ? 0 : open.queuedBinaryBytes();
    }

    /** The current state; exact on the executor, a recent snapshot elsewhere. */
    public LinkState state() {
        return state;
    }

    /** Drops the current connection as a dead hub would, and reconnects with back-off. For tests and tools. */
    public void dropConnection() {
        run(() -> {
            if (connection != null) {
                connection.abort();
            }
        });
    }

    @Override
    public void close() {
        run(() -> {
            closed = true;
            cancelTimers();
            if (connection != null) {
                connection.close();
                connection = null;
            }
            welcomed = false;
            mediaConnection = null;
            setState(LinkState.DISCONNECTED);
        });
    }

    /** One heartbeat interval passed. Package-private so tests can drive it without waiting. */
    void heartbeatTick() {
        run(this::heartbeat);
    }

    // ---- on the executor

    private void connect() {
        if (closed) {
            return;
        }
        reconnect = null;
        long attempt = ++epoch;
        welcomed = false;
        mediaConnection = null;
        setState(LinkState.CONNECTING);
        Transport.Listener listener = new Transport.Listener() {
            @Override
            public void onText(String text) {
                run(() -> received(attempt, text));
            }

            @Override
            public void onBinary(ByteBuffer message) {
                if (mediaConnection != null) {
                    handler.receivedBinary(message);
                }
            }

            @Override
            public void onClosed(String reason) {
                run(() -> ended(attempt, reason));
            }
        };
        transport
                .connect(hubUrl, listener)
                .whenComplete((opened, error) -> run(() -> {
                    if (error != null) {
                        log.info("Link to hub failed to open: {}", describe(error));
                        ended(attempt, "connect failed");
                    } else {
                        opened(attempt, opened);
                    }
                }));
    }

    private void opened(long attempt, Transport.Connection opened) {
        if (closed || attempt != epoch || state != LinkState.CONNECTING) {
            opened.abort();
            return;
        }
        connection = opened;
        connection.send(LinkCodec.encode(new Hello(List.of(Limits.PROTOCOL_VERSION), AGENT, LinkMessage.Mode.NORMAL)));
    }

    private void received(long attempt, String text) {
        if (attempt != epoch || connection == null) {
            return;
        }
        FromHub message;
        try {
            message = LinkCodec.decodeFromHub(text);
        } catch (ProtocolException e) {
            // Never log the content: it came from the network.
            log.warn("Refused a message from the hub: {} ({})", e.code().wireName(), e.getMessage());
            connection.send(LinkCodec.encode(new LinkError(e.code(), e.getMessage())));
            return;
        }
        if (!welcomed) {
            if (message instanceof Welcome welcome && acceptable(welcome)) {
                welcomed(welcome);
            } else {
                log.warn("Hub did not welcome the device properly; reconnecting");
                connection.send(LinkCodec.encode(new LinkError(ErrorCode.NOT_ALLOWED, "expected welcome")));
                connection.abort();
            }
            return;
        }
        // Any answer shows the hub is alive: during an outbox drain a heartbeat's ack waits behind the events
        // and uploads the hub is storing, and a busy hub is not a dead one.
        missedHeartbeats = 0;
        switch (message) {
            case HeartbeatAck ack -> {}
            case LinkError error -> {
                if (error.eventId() == null) {
                    log.warn("Hub refused a message: {}", error.code().wireName());
                }
                // One about an event or an upload: the agent retries or drops exactly that one.
                handler.received(error);
            }
            case Welcome w -> refuse("already welcomed");
            case LinkMessage.ClaimChallenge c -> refuse("not a claim connection");
            case LinkMessage.ClaimAccepted c -> refuse("not a claim connection");
            case LinkMessage.ClaimRefused c -> refuse("not a claim connection");
            case LinkMessage.EventAck ack -> handler.received(ack);
            case LinkMessage.CertificateRenewed renewed -> handler.received(renewed);
            case LinkMessage.ResetVeto veto -> handler.received(veto);
            case LinkMessage.Release release -> handler.received(release);
            case LinkMessage.SetCoolingOff setting -> handler.received(setting);
            case LinkMessage.SetMotion setting -> handler.received(setting);
            case LinkMessage.RosterUpdate roster -> handler.received(roster);
            case LinkMessage.Live live -> handler.received(live);
            case LinkMessage.ChimeSilence silence -> handler.received(silence);
            case LinkMessage.DoorNonceRequest request -> handler.received(request);
            case LinkMessage.DoorOpen open -> handler.received(open);
            case LinkMessage.MediaStored stored -> handler.received(stored);
        }
    }

    private boolean acceptable(Welcome welcome) {
        if (welcome.version() != Limits.PROTOCOL_VERSION) {
            return false;
        }
        // The hub that issued our operational certificate knows our id; anything else is a misconfiguration.
        return deviceId.equals(welcome.deviceId());
    }

    private void welcomed(Welcome welcome) {
        welcomed = true;
        mediaConnection = connection;
        missedHeartbeats = 0;
        backoff.connected();
        Duration interval = heartbeatOverride.orElse(Duration.ofSeconds(welcome.heartbeatSeconds()));
        cancelHeartbeats();
        heartbeats = executor.scheduleAtFixedRate(
                this::heartbeat, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        setState(LinkState.CONNECTED);
        log.info("Link to hub up");
        handler.connected(welcome);
    }

    private void heartbeat() {
        if (!welcomed || connection == null) {
            return;
        }
        if (missedHeartbeats >= MAX_MISSED_HEARTBEATS) {
            log.info("Hub stopped answering heartbeats; reconnecting");
            connection.abort();
            return;
        }
        missedHeartbeats++;
        connection.send(LinkCodec.encode(new Heartbeat(++heartbeatSequence)));
    }

    private void ended(long attempt, String reason) {
        if (attempt != epoch || state == LinkState.DISCONNECTED) {
            return;
        }
        // A late close of a connection we have moved past must not schedule a second reconnect.
        epoch++;
        boolean wasWelcomed = welcomed;
        welcomed = false;
        mediaConnection = null;
        connection = null;
        cancelHeartbeats();
        if (wasWelcomed) {
            log.info("Link to hub down: {}", reason);
        }
        setState(LinkState.DISCONNECTED);
        if (!closed) {
            Duration delay = backoff.nextDelay();
            reconnect = executor.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void refuse(String why) {
        connection.send(LinkCodec.encode(new LinkError(ErrorCode.NOT_ALLOWED, why)));
    }

    private void cancelHeartbeats() {
        if (heartbeats != null) {
            heartbeats.cancel(false);
            heartbeats = null;
        }
    }

    private void cancelTimers() {
        cancelHeartbeats();
        if (reconnect != null) {
            reconnect.cancel(false);
            reconnect = null;
        }
    }

    private void setState(LinkState next) {
        if (state != next) {
            state = next;
            stateListener.accept(next);
        }
    }

    private void run(Runnable task) {
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("Link task failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // The agent is shutting down.
        }
    }

    private static String describe(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause != cause.getCause()) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName();
    }
}
