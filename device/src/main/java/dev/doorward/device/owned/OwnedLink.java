package dev.doorward.device.owned;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.device.camera.Camera;
import dev.doorward.device.door.Chime;
import dev.doorward.device.door.DoorCommands;
import dev.doorward.device.door.DoorRelay;
import dev.doorward.device.history.EventMediaCapture;
import dev.doorward.device.history.EventMediaUploads;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.link.Backoff;
import dev.doorward.device.link.LinkClient;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.link.SwitchingTransport;
import dev.doorward.device.link.Transport;
import dev.doorward.device.link.TransportReleases;
import dev.doorward.device.media.AudioDevices;
import dev.doorward.device.media.LiveMedia;
import dev.doorward.device.motion.MotionDetector;
import dev.doorward.device.motion.SignedMotionSetting;
import dev.doorward.device.outbox.EventDelivery;
import dev.doorward.device.outbox.Outbox;
import dev.doorward.device.ownership.CertificateRenewer;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.ownership.ResetFlow;
import dev.doorward.device.ownership.RosterKeeper;
import dev.doorward.device.thread.AgentThread;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.EventDetail;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.CertificateRenewed;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.EventAck;
import dev.doorward.protocol.LinkMessage.FromHub;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.Release;
import dev.doorward.protocol.LinkMessage.ResetVeto;
import dev.doorward.protocol.LinkMessage.Welcome;
import dev.doorward.protocol.MotionSetting;
import dev.doorward.protocol.Roster;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An owned doorbell's link to its hub and everything that lives with it: the events it reports (outbox first,
 * then the link), what the hub says on the link (acks, roster, certificate, settings, door, reset messages), the
 * media session and the certificate renewal. The agent starts it when the device is claimed or powers up owned and
 * stops it when the owner is forgotten or the hub moves. Confined to the agent thread, except {@link #liveMedia()}
 * and the outbox's size.
 *
 * <p>Over 400 lines: the link, its message handler and event reporting share the current link and its state, which
 * must not leave this class (a message from a link that is no longer the device's is ignored by comparing them); the
 * handler's cases call into the flows, and much of the length is the wiring of the constructor.
 */
public final class OwnedLink {
    private static final Logger log = LoggerFactory.getLogger(OwnedLink.class);
    /** Events that get a snapshot (and, for ring and motion, a clip): the owner wants to see who it was. */
    private static final Set<EventKind> SNAPSHOT_KINDS = Set.of(
            EventKind.RING,
            EventKind.MOTION,
            EventKind.TAMPER,
            EventKind.PAIRING_MODE,
            EventKind.RESET_PENDING,
            EventKind.CLAIM_REFUSED);

    /** What the link needs of its doorbell. */
    public interface Doorbell {
        Ownership ownership();

        /** Stores the new ownership record durably, then makes it the device's. */
        void change(Ownership next);

        /** The link's state changed (the agent publishes it to whoever waits for it). */
        void linkState(LinkState state);
    }

    /** How the link connects and reconnects. */
    public record Settings(Duration reconnectBase, Duration reconnectCap, Optional<Duration> heartbeat) {}

    private final Doorbell doorbell;
    private final Settings settings;
    private final Clock clock;
    private final SecureRandom random;
    private final DeviceIdentity identity;
    private final Function<SSLContext, Transport> transports;
    private final AgentThread thread;
    private final TransportReleases releases;
    private final ResetFlow resets;
    private final MotionDetector motion;
    private final SignedMotionSetting signedMotion;
    private final DoorRelay doorRelay;
    private final Chime chime;

    /** Replaced (empty) when a completed reset wipes the data directory. */
    private volatile Outbox outbox;
    /** When each outbox event goes to the hub, and what happens when the hub refuses one. */
    private final EventDelivery delivery;
    /** Sealed snapshots and clips not yet stored by the hub (in the data directory, so a reset wipes them). */
    private final EventMediaUploads uploads;

    private final MediaSession media;
    private final RosterKeeper roster;
    private final CertificateRenewer renewal;

    private LinkClient link;
    private SwitchingTransport linkTransport;
    /** The state the link last reported (what the agent's watch shows). */
    private volatile LinkState linkState = LinkState.DISCONNECTED;
    /** Door releases for the current owner; made with the link. */
    private DoorCommands doorCommands;

    private boolean closed;

    public OwnedLink(
            Doorbell doorbell,
            Settings settings,
            Clock clock,
            SecureRandom random,
            DeviceIdentity identity,
            Function<SSLContext, Transport> transports,
            AgentThread thread,
            TransportReleases releases,
            ResetFlow resets,
            Outbox outbox,
            Path dataDir,
            Camera camera,
            Path speakerFile,
            AudioDevices audio,
            EventMediaCapture eventMedia,
            Duration captureEvery,
            MotionDetector motion,
            SignedMotionSetting signedMotion,
            DoorRelay doorRelay,
            Chime chime) {
        this.doorbell = doorbell;
        this.settings = settings;
        this.clock = clock;
        this.random = random;
        this.identity = identity;
        this.transports = transports;
        this.thread = thread;
        this.releases = releases;
        this.resets = resets;
        this.motion = motion;
        this.signedMotion = signedMotion;
        this.doorRelay = doorRelay;
        this.chime = chime;
        this.outbox = outbox;
        this.delivery = new EventDelivery(outbox, clock, random);
        this.uploads = new EventMediaUploads(
                dataDir.resolve("media-outbox"),
                clock,
                random,
                thread,
                delivery::waiting,
                () -> link != null && linkState == LinkState.CONNECTED ? link : null);
        this.media = new MediaSession(
                camera,
                clock,
                random,
                dataDir,
                speakerFile,
                audio,
                thread,
                eventMedia,
                uploads,
                motion,
                captureEvery,
                () -> link,
                this::report);
        this.roster = new RosterKeeper(clock, doorbell::ownership, doorbell::change);
        this.renewal = new CertificateRenewer(
                clock,
                doorbell::ownership,
                doorbell::change,
                identity.credential().certificate().getPublicKey(),
                // The current connection stays as it is; the next one presents the new certificate.
                () -> linkTransport.switchTo(transportFor(doorbell.ownership())));
    }

    /** Connects to the owner's hub (and keeps reconnecting) until {@link #stop()}. */
    public void start() {
        if (closed || link != null) {
            return;
        }
        Ownership owned = doorbell.ownership();
        linkTransport = new SwitchingTransport(transportFor(owned));
        Backoff backoff = new Backoff(settings.reconnectBase(), settings.reconnectCap(), random);
        Handler handler = new Handler();
        link = new LinkClient(
                owned.hubUrl(),
                owned.deviceId(),
                linkTransport,
                thread.scheduler(),
                backoff,
                clock,
                settings.heartbeat(),
                handler,
                this::linkStateChanged);
        handler.client = link;
        if (!media.running()) {
            doorCommands = new DoorCommands(owned.deviceId(), clock, random, doorRelay);
            media.start(owned);
        }
        link.start();
    }

    /** Ends the link and its media; its transport is released once the goodbye is said. */
    public void stop() {
        media.stop();
        if (link != null) {
            link.close();
            link = null;
        }
        if (linkTransport != null) {
            releases.retire(linkTransport);
            linkTransport = null;
        }
        renewal.linkStopped();
    }

    /** Whether there is a link to the hub (up or reconnecting). */
    public boolean linked() {
        return link != null;
    }

    /** Sends a message if there is a link (the outbox, not this, is what keeps events safe). */
    public void sendIfLinked(LinkMessage.FromDevice message) {
        if (link != null) {
            link.send(message);
        }
    }

    /** Adds an event to the outbox (durably) and sends it if the link is up; returns its id. */
    public String report(EventKind kind, String detail) {
        DeviceEvent event = new DeviceEvent(RandomIds.newId(random), kind, clock.millis(), detail);
        outbox.add(event);
        if (link != null) {
            // Someone at the door now goes first, whatever backlog is still draining.
            delivery.added(event).ifPresent(link::send);
        }
        if (SNAPSHOT_KINDS.contains(kind) && media.running()) {
            try {
                media.captureEventMedia(doorbell.ownership().deviceId(), event.eventId(), kind);
            } catch (RuntimeException e) {
                // The event itself is safe in the outbox; a picture that could not be taken must not undo it.
                log.error("Could not take the picture of an event", e);
            }
        }
        return event.eventId();
    }

    /** The clock rules of the link: media epochs, uploads, events due again, the daily certificate check. */
    public void tick() {
        LiveMedia live = media.live();
        if (live != null) {
            live.tick();
            uploads.next();
        }
        deliverDue();
        if (renewal.checkDue() && link != null && linkState == LinkState.CONNECTED) {
            renewal.check(link::send);
        }
    }

    /** The data directory was wiped (the owner is gone): a fresh, empty outbox and no media queued. */
    public void dataWiped(Outbox fresh) {
        outbox = fresh;
        delivery.replaceOutbox(fresh);
        uploads.wiped();
    }

    /** Events not yet acknowledged by the hub. */
    public int pendingEvents() {
        return outbox.size();
    }

    /** Event media waiting for the hub. */
    public int pendingEventMedia() {
        return uploads.pending();
    }

    public Optional<LiveMedia> liveMedia() {
        return Optional.ofNullable(media.live());
    }

    /** The agent is closing: no new link, the media stops and the link says goodbye. */
    public void close() {
        closed = true;
        media.stop();
        if (link != null) {
            link.close();
        }
    }

    /** After the agent thread has ended: the transport closes (its goodbye waited for nothing else). */
    public void closeTransport() {
        if (linkTransport != null) {
            linkTransport.close();
        }
    }

    private void linkStateChanged(LinkState state) {
        if (state != LinkState.CONNECTED) {
            delivery.linkDown();
        }
        linkState = state;
        doorbell.linkState(state);
        LiveMedia live = media.live();
        if (state != LinkState.CONNECTED && live != null) {
            live.linkDown();
        }
    }

    /**
     * An error from the hub about one event or upload (never both: media goes only once its event is in), or about
     * the link itself (a refused certificate renewal, say): those are logged with the hub's reason, which says what
     * to do, and the doorbell goes on (it asks again for a renewal at its next connection or daily check).
     */
    private void refusedByHub(LinkError error) {
        if (delivery.concerns(error)) {
            delivery.refused(error).forEach(link::send);
            if (error.code() == ErrorCode.RATE_LIMITED) {
                thread.schedule(this::deliverDue, Duration.between(clock.instant(), delivery.pausedUntil()));
            }
        } else if (uploads.concerns(error)) {
            uploads.refused(error);
        } else if (error.eventId() != null) {
            log.info("The hub refused {} for event {}", error.code().wireName(), error.eventId());
        } else {
            // The hub's words, without control characters (one log line each).
            String reason = error.message() == null ? "" : error.message().replaceAll("\\p{Cntrl}", "?");
            log.warn("The hub answered {}: {}", error.code().wireName(), reason);
        }
    }

    /** Events whose wait is over (or whose acknowledgement never came) go again. */
    private void deliverDue() {
        if (closed || link == null || linkState != LinkState.CONNECTED) {
            return;
        }
        delivery.tick().forEach(link::send);
    }

    /** A member's signed door release: checked here against the roster, never taken on the hub's word. */
    private void doorOpen(LinkMessage.DoorOpen open) {
        DoorCommands.Outcome outcome = doorCommands.open(
                open.statement(), open.signatureBytes(), open.signerPublicKeyBytes(), roster.current());
        link.send(new LinkMessage.DoorResult(open.requestId(), outcome.opened(), outcome.reason()));
        if (outcome.opened()) {
            log.info("Door released for browser {}", outcome.clientId());
            report(EventKind.DOOR_OPENED, "by " + outcome.clientId());
        } else {
            log.warn("Refused to open the door: {}", outcome.reason());
        }
    }

    /** The owner switched motion on or off or drew motion zones (signed by an owner or admin browser). */
    private void motionSet(LinkMessage.SetMotion message) {
        SignedMotionSetting.Result result = signedMotion.apply(message, doorbell.ownership(), clock.instant());
        if (result.problem().isPresent()) {
            log.warn("Refused a motion setting: {}", result.problem().get());
            sendIfLinked(new LinkError(
                    ErrorCode.NOT_ALLOWED,
                    "setting refused: " + result.problem().get()));
            return;
        }
        MotionSetting setting = result.setting().orElseThrow();
        motion.update(SignedMotionSetting.applied(motion.settings(), setting));
        log.info("Motion setting is now {}", setting.format());
        report(EventKind.SETTING_CHANGED, EventDetail.MOTION + setting.format());
    }

    private void rosterReceived(LinkMessage.RosterUpdate update) {
        Optional<Roster> accepted = roster.received(update, link::send);
        LiveMedia live = media.live();
        if (accepted.isPresent() && live != null) {
            live.rosterAccepted(accepted.get());
        }
    }

    private Transport transportFor(Ownership owned) {
        Credential operational =
                owned.operationalCredential(identity.credential().privateKey());
        return transports.apply(TlsContexts.client(operational, owned.hubCa()));
    }

    /** What the hub says on the normal link; ignored once that link is no longer the device's. */
    private final class Handler implements LinkClient.Handler {
        LinkClient client;

        @Override
        public void connected(Welcome welcome) {
            if (link != client) {
                return;
            }
            // At least once: everything not yet acknowledged goes again, oldest first, as fast as the hub acks.
            delivery.linkUp().forEach(link::send);
            renewal.check(link::send);
            link.send(new LinkMessage.RosterStatus(roster.epoch()));
            LiveMedia live = media.live();
            if (live != null) {
                live.linkUp();
            }
            uploads.linkUp();
        }

        @Override
        public void receivedBinary(ByteBuffer message) {
            LiveMedia live = media.live();
            if (link == client && live != null) {
                live.received(message);
            }
        }

        @Override
        public void received(FromHub message) {
            if (link != client) {
                return;
            }
            switch (message) {
                case EventAck ack -> {
                    delivery.acknowledged(ack.eventId()).forEach(link::send);
                    if (!resets.acknowledged(ack.eventId())) {
                        uploads.next(); // the event's pictures may go now
                    }
                }
                case ResetVeto veto -> resets.vetoed();
                case Release release -> resets.released(release);
                case LinkMessage.SetCoolingOff setting -> resets.coolingOffSet(setting);
                case LinkMessage.SetMotion setting -> motionSet(setting);
                case CertificateRenewed renewed -> renewal.renewed(renewed, link::send);
                case LinkMessage.RosterUpdate update -> rosterReceived(update);
                case LinkMessage.DoorNonceRequest request ->
                    link.send(new LinkMessage.DoorNonce(request.requestId(), doorCommands.issueNonce()));
                case LinkMessage.DoorOpen open -> doorOpen(open);
                case LinkMessage.MediaStored stored -> uploads.stored(stored);
                case LinkError error -> refusedByHub(error);
                case LinkMessage.ChimeSilence silence -> {
                    chime.silenceFor(Duration.ofSeconds(silence.seconds()));
                    log.info("Chime silenced for {} s by a member", silence.seconds());
                }
                case LinkMessage.Live live -> {
                    LiveMedia current = media.live();
                    if (current != null) {
                        current.viewers(live.viewers());
                    }
                }
                default -> log.warn("Ignored an unexpected {} on the link", message.type());
            }
        }
    }
}
