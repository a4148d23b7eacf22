package dev.doorward.device;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.device.camera.Camera;
import dev.doorward.device.camera.SyntheticCamera;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.link.Backoff;
import dev.doorward.device.link.LinkClient;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.link.Transport;
import dev.doorward.device.link.WebSocketTransport;
import dev.doorward.device.outbox.Outbox;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.device.ownership.OwnershipStore;
import dev.doorward.device.pairing.ClaimCodeSightings;
import dev.doorward.device.pairing.ClaimCodeSightings.Decision;
import dev.doorward.device.pairing.ClaimConversation;
import dev.doorward.device.pairing.PairingWindow;
import dev.doorward.device.pairing.QrScanner;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.EventAck;
import dev.doorward.protocol.LinkMessage.FromDevice;
import dev.doorward.protocol.LinkMessage.FromHub;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.Welcome;
import dev.doorward.protocol.ProtocolException;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One doorbell: its identity, its ownership record, its camera, button and pairing window, its outbox and
 * its link to the hub. Everything that changes state runs on one agent thread, so the rules (an owned device
 * never claims, a locked-out window stays shut) never race with each other.
 *
 * <p>Used in-process by the simulator, the hub's tests and the end-to-end tests.
 */
public final class DeviceAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeviceAgent.class);
    /** How long a claim that could not reach its hub waits before the same code may be tried again. */
    static final Duration CLAIM_RETRY = Duration.ofSeconds(5);

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final DeviceConfig config;
    private final DeviceIdentity identity;
    private final OwnershipStore ownershipStore;
    private final Outbox outbox;
    private final Camera camera;
    private final QrScanner scanner = new QrScanner();
    private final PairingWindow pairing;
    private final ClaimCodeSightings sightings;
    private final Function<SSLContext, Transport> transports;
    private final ScheduledThreadPoolExecutor executor;
    private final StateWatch<OwnershipState> ownershipWatch;
    private final StateWatch<LinkState> linkWatch = new StateWatch<>(LinkState.DISCONNECTED);

    // Confined to the agent thread, except the volatile snapshot.
    private volatile Ownership ownership;
    private LinkClient link;
    private Transport linkTransport;
    private ClaimRun claim;
    private ScheduledFuture<?> scanning;
    private boolean closed;
    /** Claim transports not yet released (their close waits for the polite goodbye). */
    private final Set<Transport> claimTransports = ConcurrentHashMap.newKeySet();

    private DeviceAgent(DeviceConfig config, Function<SSLContext, Transport> transports) {
        this.config = config;
        this.transports = transports;
        DeviceLayout layout = new DeviceLayout(config.deviceDir());
        this.identity = DeviceIdentity.load(config.deviceDir());
        this.ownershipStore = new OwnershipStore(layout.protectedDir());
        this.ownership = ownershipStore.load();
        this.ownershipWatch = new StateWatch<>(ownership.state());
        this.outbox = new Outbox(layout.outboxDir());
        this.camera =
                config.camera() != null ? config.camera() : new SyntheticCamera(config.clock(), identity.serial());
        this.pairing = new PairingWindow(
                config.clock(), config.pairingWindow(), config.pairingHold(), PairingWindow.DEFAULT_MAX_FAILURES);
        this.sightings = new ClaimCodeSightings(config.clock());
        this.executor = new ScheduledThreadPoolExecutor(
                1,
                Thread.ofVirtual().name("doorward-agent-" + identity.serial()).factory());
        this.executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor.setRemoveOnCancelPolicy(true);
    }

    /** Starts the agent: a factory-new device opens its pairing window, an owned one connects to its hub. */
    public static DeviceAgent start(DeviceConfig config) {
        return start(config, WebSocketTransport::new);
    }

    static DeviceAgent start(DeviceConfig config, Function<SSLContext, Transport> transports) {
        DeviceAgent agent = new DeviceAgent(config, transports);
        try {
            agent.call(() -> {
                agent.powerUp();
                return null;
            });
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    // ---- the physical device

    /**
     * Someone pressed the doorbell. Returns the ring's event id once the event is safely in the outbox, or
     * empty if the device has no owner to tell.
     */
    public Optional<String> pressButton() {
        return call(() -> ownership.isOwned() ? Optional.of(report(EventKind.RING, null)) : Optional.empty());
    }

    /**
     * The button was held for {@code held}. Long enough opens the pairing window (and tells an owner that
     * someone did so). Returns whether the window opened. The button never changes ownership.
     */
    public boolean holdButton(Duration held) {
        return call(() -> {
            if (!pairing.buttonHeld(held)) {
                return false;
            }
            log.info("Pairing window opened by a button hold");
            sightings.reset();
            startScanning();
            if (ownership.isOwned()) {
                report(EventKind.PAIRING_MODE, null);
            }
            return true;
        });
    }

    /** The simulator's camera, so a test or the control panel can hold a picture up to it. */
    public SyntheticCamera camera() {
        if (camera instanceof SyntheticCamera synthetic) {
            return synthetic;
        }
        throw new IllegalStateException("this agent runs with a real camera");
    }

    /** One frame from the camera, e.g. for the control panel's preview. */
    public BufferedImage captureFrame() {
        return camera.capture();
    }

    // ---- state

    public String serial() {
        return identity.serial();
    }

    public OwnershipState ownershipState() {
        return ownership.state();
    }

    /** The id the owner's hub gave this device at claim time. */
    public Optional<String> deviceId() {
        return ownership.deviceIdIfOwned();
    }

    public LinkState linkState() {
        return linkWatch.get();
    }

    public boolean awaitLinkState(LinkState wanted, Duration timeout) {
        return await(linkWatch, wanted, timeout);
    }

    public boolean awaitOwnership(OwnershipState wanted, Duration timeout) {
        return await(ownershipWatch, wanted, timeout);
    }

    /** Events not yet acknowledged by the hub. */
    public int pendingEvents() {
        return outbox.size();
    }

    public boolean pairingWindowOpen() {
        return call(pairing::isOpen);
    }

    /** The pairing window's state, including why it closed. */
    public PairingWindow.State pairingState() {
        return call(pairing::state);
    }

    @Override
    public void close() {
        try {
            call(() -> {
                closed = true;
                stopScanning();
                if (claim != null) {
                    claim.end();
                    claim = null;
                }
                if (link != null) {
                    link.close();
                }
                return null;
            });
        } catch (IllegalStateException e) {
            // already shut down
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (linkTransport != null) {
            linkTransport.close();
        }
        claimTransports.forEach(Transport::close);
        claimTransports.clear();
        linkWatch.set(LinkState.DISCONNECTED);
    }

    // ---- on the agent thread

    private void powerUp() {
        if (ownership.isOwned()) {
            startLink();
        } else {
            pairing.powerUp();
            startScanning();
            log.info("Factory-new device {}: pairing window open", identity.serial());
        }
    }

    /** Adds an event to the outbox (durably) and sends it if the link is up. */
    private String report(EventKind kind, String detail) {
        DeviceEvent event = new DeviceEvent(
                RandomIds.newId(config.random()), kind, config.clock().millis(), detail);
        outbox.add(event);
        if (link != null) {
            link.send(event);
        }
        return event.eventId();
    }

    private void startScanning() {
        if (scanning == null) {
            long interval = config.scanInterval().toMillis();
            scanning = executor.scheduleWithFixedDelay(this::scan, 0, interval, TimeUnit.MILLISECONDS);
        }
    }

    private void stopScanning() {
        if (scanning != null) {
            scanning.cancel(false);
            scanning = null;
        }
    }

    private void scan() {
        try {
            if (claim != null && claim.conversation.expired()) {
                claimStep(claim, claim.conversation.abort("timed out"));
            }
            if (!pairing.isOpen()) {
                log.info("Pairing window closed ({})", pairing.state());
                stopScanning();
                return;
            }
            Optional<String> text = scanner.scan(camera.capture());
            if (text.isEmpty()) {
                return;
            }
            switch (sightings.sighted(text.get(), ownership)) {
                case Decision.Claim c -> startClaim(c.code());
                case Decision.Report r -> {
                    log.warn("Refused a claim code: this device already has an owner");
                    report(r.kind(), r.detail());
                }
                case Decision.Ignore i -> {}
            }
        } catch (RuntimeException e) {
            log.error("Camera scan failed", e);
        }
    }

    // ---- claim (factory-new only)

    private void startClaim(ClaimCode code) {
        if (ownership.isOwned()) {
            return; // never: an owned device does not claim, whatever the sightings say
        }
        if (claim != null) {
            sightings.retryFrom(code.ticket(), config.clock().instant());
            return;
        }
        log.info("Claim code seen; connecting to {}", code.hubUrl());
        ClaimConversation conversation = new ClaimConversation(code, identity, config.clock(), config.random());
        Transport transport;
        try {
            transport = transports.apply(TlsContexts.clientPinned(identity.credential(), code.caFingerprint()));
        } catch (RuntimeException e) {
            log.warn("Cannot prepare the claim connection: {}", e.getClass().getSimpleName());
            return;
        }
        claimTransports.add(transport);
        ClaimRun run = new ClaimRun(conversation, transport);
        claim = run;
        run.timeout = executor.schedule(
                () -> claimStep(run, conversation.abort("timed out")),
                ClaimConversation.TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
        transport
                .connect(code.hubUrl(), new Transport.Listener() {
                    @Override
                    public void onText(String text) {
                        execute(() -> claimText(run, text));
                    }

                    @Override
                    public void onClosed(String reason) {
                        execute(() -> claimStep(run, conversation.abort("connection closed")));
                    }
                })
                .whenComplete((connection, error) -> execute(() -> {
                    if (error != null) {
                        claimStep(run, conversation.abort("cannot reach the hub"));
                    } else if (claim != run) {
                        connection.abort();
                    } else {
                        run.connection = connection;
                        run.reachedHub = true;
                        send(run, conversation.start());
                    }
                }));
    }

    private void claimText(ClaimRun run, String text) {
        if (claim != run) {
            return;
        }
        FromHub message;
        try {
            message = LinkCodec.decodeFromHub(text);
        } catch (ProtocolException e) {
            log.warn("Claim: refused a message from the hub: {}", e.code().wireName());
            send(run, new LinkError(e.code(), e.getMessage()));
            claimStep(run, run.conversation.abort("bad message from the hub"));
            return;
        }
        claimStep(run, run.conversation.receive(message));
    }

    private void claimStep(ClaimRun run, ClaimConversation.Step step) {
        if (claim != run) {
            return;
        }
        step.send().forEach(m -> send(run, m));
        if (!step.finished()) {
            return;
        }
        claim = null;
        run.end();
        String ticket = run.conversation.code().ticket();
        switch (step.status()) {
            case CLAIMED -> claimed(step.ownership().orElseThrow());
            case WRONG_CODE -> {
                boolean lockedOut = pairing.wrongCode();
                log.warn(
                        "Claim refused: wrong setup code ({} so far){}",
                        pairing.failures(),
                        lockedOut ? "; pairing window closed until the button is held again" : "");
            }
            case REFUSED, FAILED -> {
                log.info("Claim attempt ended: {}", step.reason());
                if (!run.reachedHub) {
                    sightings.retryFrom(ticket, config.clock().instant().plus(CLAIM_RETRY));
                }
            }
            case IN_PROGRESS -> throw new IllegalStateException("unreachable");
        }
    }

    private void claimed(Ownership owned) {
        // Durable first: if the power fails now, the device wakes up owned, never half-claimed.
        ownershipStore.save(owned);
        ownership = owned;
        ownershipWatch.set(owned.state());
        pairing.close();
        stopScanning();
        log.info("Claimed: device {} now belongs to its hub", owned.deviceId());
        startLink();
    }

    private void send(ClaimRun run, FromDevice message) {
        if (run.connection != null) {
            run.connection.send(LinkCodec.encode(message));
        }
    }

    // ---- link (owned only)

    private void startLink() {
        if (closed || link != null) {
            return;
        }
        Ownership owned = ownership;
        Credential operational =
                owned.operationalCredential(identity.credential().privateKey());
        linkTransport = transports.apply(TlsContexts.client(operational, owned.hubCa()));
        Backoff backoff =
                new Backoff(config.reconnectBase(), config.reconnectCap(), Backoff.DEFAULT_STABLE, config.random());
        link = new LinkClient(
                owned.hubUrl(),
                owned.deviceId(),
                linkTransport,
                executor,
                backoff,
                config.clock(),
                config.heartbeat(),
                new LinkClient.Handler() {
                    @Override
                    public void connected(Welcome welcome) {
                        // At least once: everything not yet acknowledged goes again, in order.
                        outbox.pending().forEach(link::send);
                    }

                    @Override
                    public void received(FromHub message) {
                        if (message instanceof EventAck ack) {
                            outbox.acknowledge(ack.eventId());
                        }
                    }
                },
                linkWatch::set);
        link.start();
    }

    // ---- plumbing

    /** Runs on the agent thread and waits: callers see the effect of what they asked for. */
    private <T> T call(Callable<T> task) {
        Future<T> future;
        try {
            future = executor.submit(task);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the agent is closed", e);
        }
        try {
            return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the agent did not answer in time", e);
        }
    }

    private void execute(Runnable task) {
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("Agent task failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private static <T> boolean await(StateWatch<T> watch, T wanted, Duration timeout) {
        try {
            return watch.await(wanted, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One claim attempt in flight. */
    private final class ClaimRun {
        final ClaimConversation conversation;
        final Transport transport;
        Transport.Connection connection;
        ScheduledFuture<?> timeout;
        boolean reachedHub;

        ClaimRun(ClaimConversation conversation, Transport transport) {
            this.conversation = conversation;
            this.transport = transport;
        }

        void end() {
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (connection != null) {
                connection.close();
            }
            // Let the polite close go out before the client goes away.
            Runnable release = () -> {
                claimTransports.remove(transport);
                transport.close();
            };
            if (closed) {
                release.run();
                return;
            }
            try {
                executor.schedule(release, 2, TimeUnit.SECONDS);
            } catch (RejectedExecutionException e) {
                release.run();
            }
        }
    }
}
