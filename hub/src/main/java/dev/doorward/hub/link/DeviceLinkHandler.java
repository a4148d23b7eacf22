package dev.doorward.hub.link;

import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Certificates;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.database.DatabaseHealth;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.link.transport.LinkEndpoint;
import dev.doorward.hub.link.transport.LinkSocket;
import dev.doorward.hub.link.transport.LinkSocket.CloseReason;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.Limits;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.Heartbeat;
import dev.doorward.protocol.LinkMessage.HeartbeatAck;
import dev.doorward.protocol.LinkMessage.Hello;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.Mode;
import dev.doorward.protocol.LinkMessage.Welcome;
import dev.doorward.protocol.MediaPart;
import dev.doorward.protocol.MessageType;
import dev.doorward.protocol.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The hub end of every device link ({@code wss://hub:device-port/link}, mutual TLS). TLS already proved the
 * certificate comes from the manufacturer CA or our hub CA; this handler decides what it may do: a factory
 * certificate may only claim, an operational certificate is an owned device and must match the one we
 * issued. Every message is validated by {@link LinkCodec}; a bad message gets an {@code error} reply and never
 * takes the connection handling down. What a message means is the features' business: each message type of an
 * owned doorbell goes to the {@link DeviceLinkFeature} that handles it, a factory link's to {@link ClaimLinks}, media
 * parts (decoded once, here) to {@link DeviceMediaParts}; this package calls no feature.
 *
 * <p>One class: it is the connection's life (factory or owned, hello, heartbeats, close) and the dispatch of
 * messages and parts; the features it hands them to hold the logic.
 */
@Component
public class DeviceLinkHandler implements LinkEndpoint {
    private static final Logger log = LoggerFactory.getLogger(DeviceLinkHandler.class);
    private static final int HELLO_TIMEOUT_MS = 10_000;
    /** Refused messages tolerated before a flood closes the connection. */
    static final int MAX_REFUSED_MESSAGES = 100;

    private final Devices devices;
    private final DeviceConnections connections;
    private final Notifier notifier;
    private final AuditLog audit;
    private final RateLimiter limiter;
    private final HubProperties properties;
    private final Clock clock;
    private final LinkTaps taps;
    private final CertificateRenewals renewals;
    private final HubPki pki;
    private final ClaimLinks claims;
    private final DeviceMediaParts.EventMedia eventMedia;
    private final DeviceMediaParts.Live live;
    private final List<DeviceLinkFeature> features;
    /** Which feature handles each message type of an owned doorbell: one map lookup per message. */
    private final Map<Class<?>, DeviceLinkFeature> handlers = new HashMap<>();
    /** How a ring or motion event's kind is spelled on the wire: what {@link #textArrived} looks for. */
    private static final String RING_KIND = '"' + EventKind.RING.wireName() + '"';

    private static final String MOTION_KIND = '"' + EventKind.MOTION.wireName() + '"';
    /** How a media key message's type is spelled on the wire: {@link #textArrived} holds its viewers for it. */
    private static final String MEDIA_KEY_TYPE = '"' + MessageType.MEDIA_KEY.wireName() + '"';
    /** How a heartbeat's type is spelled on the wire: what {@link #handledAtOnce} looks for. */
    private static final String HEARTBEAT_TYPE = '"' + MessageType.HEARTBEAT.wireName() + '"';
    /** What an arriving media key text that held nobody releases. */
    private static final Runnable NO_HOLD = () -> {};

    private final Map<String, LinkSession> sessions = new ConcurrentHashMap<>();

    DeviceLinkHandler(
            Devices devices,
            DeviceConnections connections,
            Notifier notifier,
            AuditLog audit,
            RateLimiter limiter,
            HubProperties properties,
            Clock clock,
            LinkTaps taps,
            CertificateRenewals renewals,
            HubPki pki,
            ClaimLinks claims,
            DeviceMediaParts.EventMedia eventMedia,
            DeviceMediaParts.Live live,
            List<DeviceLinkFeature> features) {
        this.devices = devices;
        this.connections = connections;
        this.notifier = notifier;
        this.audit = audit;
        this.limiter = limiter;
        this.properties = properties;
        this.clock = clock;
        this.taps = taps;
        this.renewals = renewals;
        this.pki = pki;
        this.claims = claims;
        this.eventMedia = eventMedia;
        this.live = live;
        this.features = List.copyOf(features);
        for (DeviceLinkFeature feature : this.features) {
            for (Class<? extends LinkMessage.FromDevice> type : feature.handles()) {
                DeviceLinkFeature other = handlers.put(type, feature);
                if (other != null) {
                    throw new IllegalStateException(type.getSimpleName() + " is handled by both "
                            + other.getClass().getSimpleName() + " and "
                            + feature.getClass().getSimpleName());
                }
            }
        }
    }

    @Override
    public void opened(LinkSocket socket, X509Certificate[] chain) {
        Optional<LinkSession> session = identify(socket, chain);
        if (session.isEmpty()) {
            log.debug("Refused a link from {}: certificate not accepted", socket.clientAddress());
            socket.close(CloseReason.POLICY_VIOLATION.withReason("certificate not accepted"));
            return;
        }
        if (!limiter.tryAcquire(RateLimit.DEVICE_CONNECTS, session.get().subject())
                .allowed()) {
            socket.close(CloseReason.SERVICE_OVERLOAD.withReason("reconnecting too often"));
            return;
        }
        sessions.put(socket.id(), session.get());
    }

    private Optional<LinkSession> identify(LinkSocket socket, X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return Optional.empty();
        }
        X509Certificate leaf = chain[0];
        Optional<String> name = Certificates.commonName(leaf);
        // TLS accepted a chain to either CA it trusts; which one issued it must match what the certificate claims.
        if (name.isEmpty() || !Certificates.isValidAt(leaf, clock.instant()) || !pki.issuedByItsAuthority(leaf)) {
            return Optional.empty();
        }
        long now = clock.millis();
        CertificateKind kind = Certificates.kind(leaf);
        if (kind == CertificateKind.DEVICE) {
            return Optional.of(new LinkSession(socket, LinkSession.Kind.CLAIM, name.get(), leaf, null, now, taps));
        }
        if (kind == CertificateKind.OPERATIONAL) {
            // Only the certificate we issued last for this device is good: an older or revoked one is not.
            return devices.byId(name.get())
                    .filter(d -> d.acceptsCertificate(
                            leaf.getSerialNumber().toString(16),
                            leaf.getNotAfter().toInstant()))
                    .map(d -> new LinkSession(socket, LinkSession.Kind.OWNED, d.serial(), leaf, d, now, taps));
        }
        return Optional.empty();
    }

    /**
     * Someone at the door is announced the moment their ring arrives, not after what the link queued before it (an
     * upload or an event being stored while the database is slow or down, up to its timeout), and with as few
     * hand-offs between threads as can be. A ring or motion event of a welcomed, owned doorbell goes to its
     * feature's {@link DeviceLinkFeature#arrivedOnNetworkThread} here, on the network thread, when nothing of the
     * link is queued before it (the usual case), and to {@link DeviceLinkFeature#arrived} on a virtual thread of its
     * own when something is. Only texts naming such a kind are decoded here, and the in-order path takes that result
     * ({@link LinkSession#decodedOnArrival}) instead of decoding again. The feature hears the same message again in
     * order, to store it (the ring is told once, whichever comes first).
     *
     * <p>A media key holds the doorbell's viewers until it was handled in order ({@link DeviceMediaParts.Live#holdForKey}):
     * the parts the doorbell seals under a new key next are relayed at once and would otherwise reach the browsers
     * first, which could not open them until the next keyframe.
     */
    @Override
    public void textArrived(LinkSocket socket, String text, boolean behindQueuedWork) {
        LinkSession session = sessions.get(socket.id());
        if (session == null) {
            return;
        }
        boolean owned = session.isWelcomedAndOwned();
        if (text.contains(MEDIA_KEY_TYPE)) {
            // One entry for every such text, held or not, so that each text's turn takes its own.
            Runnable release = NO_HOLD;
            try {
                release = owned ? live.holdForKey(session.device.id()) : NO_HOLD;
            } finally {
                session.keyHolds.add(release);
            }
            return;
        }
        if (!owned || !(text.contains(RING_KIND) || text.contains(MOTION_KIND))) {
            return;
        }
        if (!behindQueuedWork) {
            announceOnNetworkThread(session, text);
            return;
        }
        CompletableFuture<LinkMessage.FromDevice> decoded = new CompletableFuture<>();
        session.decodedOnArrival.putIfAbsent(text, decoded);
        try {
            announceOnArrival(session, text, decoded);
        } catch (RuntimeException | Error e) {
            session.decodedOnArrival.remove(text, decoded); // the in-order path must not wait for what never runs
            throw e;
        }
    }

    private void announceOnNetworkThread(LinkSession session, String text) {
        LinkMessage.FromDevice message;
        try {
            message = LinkCodec.decodeFromDevice(text);
        } catch (ProtocolException e) {
            return; // refused with its reason in its turn
        }
        session.decodedOnArrival.putIfAbsent(text, CompletableFuture.completedFuture(message));
        if (isSomeoneAtTheDoor(message) && withinArrivals(session)) {
            DeviceLinkFeature handler = handlers.get(DeviceEvent.class);
            if (handler != null) {
                handler.arrivedOnNetworkThread(session, message);
            }
        }
    }

    private static boolean isSomeoneAtTheDoor(LinkMessage.FromDevice message) {
        return message instanceof DeviceEvent event && event.kind().isSomeoneAtTheDoor();
    }

    /** Announcing ahead of the link's order is offered only so often: a flooding doorbell's rings wait their turn. */
    private boolean withinArrivals(LinkSession session) {
        return limiter.tryAcquire(RateLimit.DEVICE_ARRIVALS, session.device.id())
                .allowed();
    }

    private void announceOnArrival(
            LinkSession session, String text, CompletableFuture<LinkMessage.FromDevice> decoded) {
        Thread.startVirtualThread(() -> {
            try {
                LinkMessage.FromDevice message;
                try {
                    message = LinkCodec.decodeFromDevice(text);
                    decoded.complete(message);
                } catch (ProtocolException | RuntimeException e) {
                    decoded.completeExceptionally(e);
                    throw e;
                }
                if (isSomeoneAtTheDoor(message) && withinArrivals(session)) {
                    DeviceLinkFeature handler = handlers.get(DeviceEvent.class);
                    if (handler != null) {
                        handler.arrived(session, message);
                    }
                }
            } catch (ProtocolException e) {
                // Refused with its reason when its turn comes.
            } catch (RuntimeException e) {
                log.error("Announcing an arriving ring from {} failed; it rings in its turn", session.subject(), e);
            }
        });
    }

    /**
     * A welcomed doorbell's heartbeat with nothing of its link queued before it is answered here on the network
     * thread: at 10 000 doorbells, 333 a second and most of what the hub reads, each of which would otherwise wake
     * a worker thread to write one short answer. The answer still follows everything sent to the doorbell before.
     */
    @Override
    public boolean handledAtOnce(LinkSocket socket, String text) {
        LinkSession session = sessions.get(socket.id());
        if (session == null || !session.isWelcomedAndOwned() || !text.contains(HEARTBEAT_TYPE)) {
            return false;
        }
        LinkMessage.FromDevice message;
        try {
            message = LinkCodec.decodeFromDevice(text);
        } catch (ProtocolException e) {
            return false; // refused with its reason in order
        }
        if (!(message instanceof Heartbeat heartbeat)) {
            return false;
        }
        session.lastHeardMillis = clock.millis();
        taps.seen(LinkTaps.Direction.FROM_DEVICE, text);
        try {
            if (withinLimit(session, message)) {
                session.send(new HeartbeatAck(heartbeat.sequence()));
            }
        } catch (IOException e) {
            log.debug("Device link send failed for {}: {}", session.subject(), e.getMessage());
            session.close(CloseReason.NOT_RELIABLE);
        }
        return true;
    }

    /** The message of {@code text}: as {@link #textArrived} decoded it if it did (waiting for it), else decoded now. */
    private static LinkMessage.FromDevice decodedOnce(LinkSession session, String text) throws ProtocolException {
        CompletableFuture<LinkMessage.FromDevice> arrived = session.decodedOnArrival.remove(text);
        if (arrived != null) {
            try {
                return arrived.join();
            } catch (CompletionException | CancellationException e) {
                // Refused or failed on arrival: decoded again here for the refusal with its reason, in its turn.
            }
        }
        return LinkCodec.decodeFromDevice(text);
    }

    @Override
    public void text(LinkSocket socket, String text) {
        LinkSession session = sessions.get(socket.id());
        if (session == null) {
            return;
        }
        session.lastHeardMillis = clock.millis();
        Runnable heldForThis = text.contains(MEDIA_KEY_TYPE) ? session.keyHolds.poll() : null;
        try {
            LinkMessage.FromDevice message;
            try {
                taps.seen(LinkTaps.Direction.FROM_DEVICE, text);
                message = decodedOnce(session, text);
            } catch (ProtocolException e) {
                refuse(session, e.code(), e.getMessage());
                return;
            }
            if (!withinLimit(session, message)) {
                return;
            }
            dispatch(session, message);
        } catch (IOException e) {
            log.debug("Device link send failed for {}: {}", session.subject(), e.getMessage());
            session.close(CloseReason.NOT_RELIABLE);
        } catch (RuntimeException e) {
            failed(session, e);
        } finally {
            if (heldForThis != null) {
                heldForThis.run();
            }
        }
    }

    /**
     * Deliveries (events, event media uploads) of a welcomed doorbell draw on its own, larger allowance, so an
     * outbox drained after an outage is never taken for a flood; a refused one names the event and the wait, and
     * the doorbell sends it again then. Everything else draws on the connection's allowance; a flood of either
     * is refused, and past {@value #MAX_REFUSED_MESSAGES} refusals closes the link.
     */
    private boolean withinLimit(LinkSession session, LinkMessage.FromDevice message) throws IOException {
        String delivery = session.isWelcomedAndOwned()
                ? switch (message) {
                    case DeviceEvent event -> event.eventId();
                    case LinkMessage.MediaUpload upload -> upload.eventId();
                    default -> null;
                }
                : null;
        if (delivery == null) {
            if (limiter.tryAcquire(RateLimit.DEVICE_MESSAGES, session.socket.id())
                    .allowed()) {
                return true;
            }
            refuse(session, ErrorCode.RATE_LIMITED, "slow down");
            return false;
        }
        RateLimiter.Decision decision = limiter.tryAcquire(RateLimit.DEVICE_DELIVERIES, session.device.id());
        if (decision.allowed()) {
            return true;
        }
        DeviceLinkFeature handler = handlers.get(message.getClass());
        if (handler != null) {
            handler.refusedForRate(session, message);
        }
        refuse(session, LinkError.rateLimited(delivery, decision.retryAfter().toMillis()));
        return false;
    }

    /** A bug or a database hiccup must not take the link down silently: tell the device, keep going. */
    private void failed(LinkSession session, RuntimeException e) {
        if (DatabaseHealth.isOutage(e)) {
            // Not a bug, and said once by the database watchdog: a line per message would flood the log.
            log.debug("Device link message from {} not handled, the database is unavailable", session.subject());
        } else {
            log.error("Device link message from {} failed", session.subject(), e);
        }
        try {
            refuse(session, ErrorCode.INTERNAL, "the hub could not handle this message");
        } catch (IOException ignored) {
            session.close(CloseReason.SERVER_ERROR);
        }
    }

    /**
     * Live video and audio from a welcomed, owned doorbell go straight to its viewers' queues, never behind the
     * link's other work (an event being stored, say); everything else is handled in order by {@link #binary}.
     */
    @Override
    public boolean relayAtOnce(LinkSocket socket, ByteBuffer message) {
        LinkSession session = sessions.get(socket.id());
        if (session == null
                || !session.isWelcomedAndOwned()
                || !message.hasRemaining()
                || message.get(message.position()) == MediaPart.Kind.EVENT_MEDIA.code()) {
            return false;
        }
        try {
            onBinary(socket, session, message, true);
        } catch (IOException e) {
            log.debug("Device link send failed for {}: {}", session.subject(), e.getMessage());
            session.close(CloseReason.NOT_RELIABLE);
        } catch (RuntimeException e) {
            // Not left to the network thread, which would close the link from under the doorbell.
            failed(session, e);
        }
        return true;
    }

    @Override
    public void binary(LinkSocket socket, ByteBuffer message) {
        LinkSession session = sessions.get(socket.id());
        if (session == null) {
            return;
        }
        try {
            onBinary(socket, session, message, false);
        } catch (IOException e) {
            log.debug("Device link send failed for {}: {}", session.subject(), e.getMessage());
            session.close(CloseReason.NOT_RELIABLE);
        }
    }

    /**
     * @param atOnce on the network thread, for a welcomed owned doorbell; live parts are relayed only this way, so
     *     a doorbell's parts reach its viewers from one thread and in order
     */
    private void onBinary(LinkSocket socket, LinkSession session, ByteBuffer message, boolean atOnce)
            throws IOException {
        if (session.kind != LinkSession.Kind.OWNED || !session.welcomed) {
            refuse(session, ErrorCode.NOT_ALLOWED, "only a welcomed, owned doorbell sends media");
            return;
        }
        taps.seenBinary(LinkTaps.Direction.FROM_DEVICE, message);
        MediaPart part;
        try {
            part = MediaPart.decode(message);
        } catch (IllegalArgumentException e) {
            refuse(session, ErrorCode.MALFORMED, "media part refused: " + e.getMessage());
            return;
        }
        if (part.kind() == MediaPart.Kind.EVENT_MEDIA) {
            eventMedia.part(session, part);
            return;
        }
        if (!atOnce) {
            // Queued before the doorbell was welcomed (it streams only once the hub asks): not relayed late.
            refuse(session, ErrorCode.NOT_ALLOWED, "live media before the link was welcomed");
            return;
        }
        try {
            live.part(session.device.id(), part, message);
        } catch (IllegalArgumentException e) {
            refuse(session, ErrorCode.MALFORMED, "media part refused: " + e.getMessage());
        }
    }

    private void dispatch(LinkSession session, LinkMessage.FromDevice message) throws IOException {
        if (!session.welcomed) {
            if (message instanceof Hello hello) {
                onHello(session, hello);
            } else {
                refuse(session, ErrorCode.NOT_ALLOWED, "say hello first");
            }
            return;
        }
        switch (session.kind) {
            case CLAIM -> onClaimMessage(session, message);
            case OWNED -> onOwnedMessage(session, message);
        }
    }

    private void onHello(LinkSession session, Hello hello) throws IOException {
        if (!hello.versions().contains(Limits.PROTOCOL_VERSION)) {
            refuse(session, ErrorCode.UNSUPPORTED_VERSION, "the hub speaks version " + Limits.PROTOCOL_VERSION);
            session.close(CloseReason.PROTOCOL_ERROR);
            return;
        }
        Mode expected = session.kind == LinkSession.Kind.CLAIM ? Mode.CLAIM : Mode.NORMAL;
        if (hello.mode() != expected) {
            refuse(
                    session,
                    ErrorCode.NOT_ALLOWED,
                    "this certificate may only connect in " + expected.wireName() + " mode");
            session.close(CloseReason.POLICY_VIOLATION);
            return;
        }
        session.welcomed = true;
        if (session.kind == LinkSession.Kind.OWNED) {
            Device device = session.device;
            // One statement marks it seen and finds it deleted (its household went with its owner's account) since
            // its certificate was checked: a reconnect storm makes as few database round trips as it can.
            if (!devices.touch(device.id())) {
                session.close(CloseReason.POLICY_VIOLATION.withReason("certificate not accepted"));
                return;
            }
            X509Certificate presented = session.certificate();
            if (device.issuedAfterTheRecordedOne(
                    session.certificateSerial, presented.getNotAfter().toInstant())) {
                // The hub's database was restored from a backup older than this doorbell's last renewal.
                devices.adopted(
                        device.id(),
                        session.certificateSerial,
                        presented.getNotAfter().toInstant());
                audit.record(
                        device.householdId(),
                        "device:" + device.id(),
                        "certificate-adopted",
                        "'" + device.name() + "' connected with a certificate this hub issued after the one its"
                                + " database knew (restored from an older backup); it is now the recorded one");
            }
            session.send(new Welcome(Limits.PROTOCOL_VERSION, device.id(), properties.heartbeatSeconds()));
            // Reachable only once welcomed: before, a message for it (a live view wanted on another cluster node,
            // a door request) could reach the doorbell ahead of its welcome.
            connections.put(device.id(), session).ifPresent(old -> {
                if (old != session) {
                    old.close(CloseReason.POLICY_VIOLATION.withReason("replaced by a newer connection"));
                }
            });
            notifier.toHousehold(device.householdId(), new Notice.DeviceOnline(device.id()));
            if (device.previousCertificateSerial() != null
                    && session.certificateSerial.equals(device.certificateSerial())) {
                devices.forgetPreviousCertificate(device.id(), session.certificateSerial);
            }
            if (device.resetPendingUntil() != null && device.resetVetoRequestedAt() != null) {
                // A veto made while the doorbell was offline.
                session.send(new LinkMessage.ResetVeto());
            }
            for (DeviceLinkFeature feature : features) {
                feature.online(device);
            }
        } else {
            session.claim = claims.welcomed(session);
            session.send(new Welcome(Limits.PROTOCOL_VERSION, null, properties.heartbeatSeconds()));
        }
    }

    private void onClaimMessage(LinkSession session, LinkMessage.FromDevice message) throws IOException {
        if (message instanceof Heartbeat heartbeat) {
            session.send(new HeartbeatAck(heartbeat.sequence()));
            return;
        }
        session.claim.message(message);
    }

    private void onOwnedMessage(LinkSession session, LinkMessage.FromDevice message) throws IOException {
        switch (message) {
            case Heartbeat heartbeat -> session.send(new HeartbeatAck(heartbeat.sequence()));
            case LinkMessage.RenewCertificate renew ->
                session.send(renewals.renew(session.device, session.certificate()));
            case LinkError error -> log.debug("Device {} reported {}", session.subject(), error.code());
            default -> {
                DeviceLinkFeature handler = handlers.get(message.getClass());
                if (handler != null) {
                    handler.message(session, message);
                } else {
                    refuse(session, ErrorCode.NOT_ALLOWED, "an owned device may not send this");
                }
            }
        }
    }

    private void refuse(LinkSession session, ErrorCode code, String message) throws IOException {
        session.refuse(code, message);
    }

    private void refuse(LinkSession session, LinkError error) throws IOException {
        session.refuse(error);
    }

    @Override
    public void closed(LinkSocket socket) {
        LinkSession session = sessions.remove(socket.id());
        for (DeviceLinkFeature feature : features) {
            feature.linkClosed(socket.id());
        }
        if (session == null) {
            return;
        }
        // Keys that never had their turn hold nobody any longer.
        for (Runnable release; (release = session.keyHolds.poll()) != null; ) {
            release.run();
        }
        if (session.claim != null) {
            session.claim.closed();
        }
        if (session.kind == LinkSession.Kind.OWNED
                && session.welcomed
                && connections.remove(session.device.id(), session)) {
            Device device = session.device;
            try {
                devices.touch(device.id());
            } catch (RuntimeException e) {
                // The hub is shutting down and its database is gone; last-seen is a convenience, not a record.
                log.debug("Could not record last-seen for {}: {}", device.id(), e.getMessage());
            }
            notifier.toHousehold(device.householdId(), new Notice.DeviceOffline(device.id()));
            for (DeviceLinkFeature feature : features) {
                feature.offline(device);
            }
        }
    }

    /** Drops links that never said hello or stopped sending heartbeats. */
    @Scheduled(fixedDelay = 5_000)
    void dropSilentLinks() {
        long now = clock.millis();
        long silentLimit = properties.heartbeatSeconds() * 3_000L;
        for (LinkSession session : sessions.values()) {
            if (!session.welcomed && now - session.openedMillis > HELLO_TIMEOUT_MS) {
                session.close(CloseReason.POLICY_VIOLATION.withReason("no hello"));
            } else if (now - session.lastHeardMillis > silentLimit) {
                session.close(CloseReason.NOT_RELIABLE.withReason("no heartbeat"));
            }
        }
    }
}
