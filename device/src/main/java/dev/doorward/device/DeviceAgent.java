package dev.doorward.device;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.device.camera.Camera;
import dev.doorward.device.camera.SyntheticCamera;
import dev.doorward.device.door.Chime;
import dev.doorward.device.door.DoorCommands;
import dev.doorward.device.door.DoorRelay;
import dev.doorward.device.files.AtomicFiles;
import dev.doorward.device.history.EventMediaCapture;
import dev.doorward.device.history.EventMediaUploads;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.link.Backoff;
import dev.doorward.device.link.LinkClient;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.link.SwitchingTransport;
import dev.doorward.device.link.Transport;
import dev.doorward.device.link.TransportReleases;
import dev.doorward.device.link.WebSocketTransport;
import dev.doorward.device.media.CongestionGate;
import dev.doorward.device.media.LiveMedia;
import dev.doorward.device.motion.MotionDetector;
import dev.doorward.device.motion.MotionSettings;
import dev.doorward.device.motion.Region;
import dev.doorward.device.motion.SignedMotionSetting;
import dev.doorward.device.outbox.EventDelivery;
import dev.doorward.device.outbox.Outbox;
import dev.doorward.device.ownership.CertificateRenewal;
import dev.doorward.device.ownership.CoolingOffSetting;
import dev.doorward.device.ownership.MoveStatement;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.device.ownership.OwnershipStore;
import dev.doorward.device.ownership.ResetFlow;
import dev.doorward.device.ownership.RosterVerifier;
import dev.doorward.device.pairing.ClaimCodeSightings;
import dev.doorward.device.pairing.ClaimCodeSightings.Decision;
import dev.doorward.device.pairing.ClaimFlow;
import dev.doorward.device.pairing.PairingWindow;
import dev.doorward.device.pairing.QrScanner;
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
import dev.doorward.protocol.LinkMessage.RenewCertificate;
import dev.doorward.protocol.LinkMessage.ResetVeto;
import dev.doorward.protocol.LinkMessage.Welcome;
import dev.doorward.protocol.MotionSetting;
import dev.doorward.protocol.MoveCode;
import dev.doorward.protocol.Roster;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
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
    /** How often the camera is sampled for motion and the clip buffer while owned. */
    static final Duration CAPTURE_EVERY = Duration.ofMillis(200);
    /** Events that get a snapshot (and, for ring and motion, a clip): the owner wants to see who it was. */
    private static final Set<EventKind> SNAPSHOT_KINDS = Set.of(
            EventKind.RING,
            EventKind.MOTION,
            EventKind.TAMPER,
            EventKind.PAIRING_MODE,
            EventKind.RESET_PENDING,
            EventKind.CLAIM_REFUSED);
    /** Browser and doorbell clocks differ; the first roster may be signed this long before the claim. */
    static final Duration ROSTER_CLOCK_SKEW = Duration.ofMinutes(10);
    /** How often the clock rules (end of a cooling-off period, the daily renewal check) are looked at. */
    static final Duration TICK = Duration.ofSeconds(1);

    private final DeviceConfig config;
    private final DeviceLayout layout;
    private final DeviceIdentity identity;
    private final OwnershipStore ownershipStore;
    private final CoolingOffSetting coolingOffSetting;
    private final SignedMotionSetting signedMotion;
    /** Replaced (empty) when a completed reset wipes the data directory. */
    private volatile Outbox outbox;
    /** When each outbox event goes to the hub, and what happens when the hub refuses one. */
    private final EventDelivery delivery;

    private final Camera camera;
    private final QrScanner scanner = new QrScanner();
    private final PairingWindow pairing;
    private final ClaimCodeSightings sightings;
    private final Function<SSLContext, Transport> transports;
    private final AgentThread thread;
    /** Claim and retired link transports not yet released (their close waits for the polite goodbye). */
    private final TransportReleases releases;

    private final ClaimFlow claims;
    private final ResetFlow resets;
    /** Sealed snapshots and clips not yet stored by the hub (in the data directory, so a reset wipes them). */
    private final EventMediaUploads uploads;

    private final StateWatch<OwnershipState> ownershipWatch;
    private final StateWatch<LinkState> linkWatch = new StateWatch<>(LinkState.DISCONNECTED);

    // Confined to the agent thread, except the volatile snapshot.
    private volatile Ownership ownership;
    private LinkClient link;
    private SwitchingTransport linkTransport;
    private final DoorRelay doorRelay;
    private final Chime chime;
    /** Door releases for the current owner; made with the link. */
    private DoorCommands doorCommands;
    /** The clip buffer (which motion detection reads too) and each event's snapshot and clip. */
    private final EventMediaCapture eventMedia;

    private final MotionDetector motion;

    private ScheduledFuture<?> capturing;
    /** Live view and talk while owned and linked; read by the link's media threads. */
    private volatile LiveMedia media;

    private ScheduledFuture<?> scanning;
    private ScheduledFuture<?> ticking;
    /** When a connected device next checks its operational certificate; null while the link is down. */
    private Instant nextRenewalCheck;

    private boolean closed;

    private DeviceAgent(DeviceConfig config, Function<SSLContext, Transport> transports) {
        this.config = config;
        this.transports = transports;
        this.layout = new DeviceLayout(config.deviceDir());
        this.identity = DeviceIdentity.load(config.deviceDir());
        this.ownershipStore = new OwnershipStore(layout.protectedDir());
        this.coolingOffSetting = new CoolingOffSetting(layout.protectedDir());
        this.signedMotion = new SignedMotionSetting(layout.protectedDir());
        this.ownership = ownershipStore.load();
        this.ownershipWatch = new StateWatch<>(ownership.state());
        ownerOnlyDirectories(layout);
        this.outbox = new Outbox(layout.outboxDir());
        this.delivery = new EventDelivery(outbox, config.clock(), config.random());
        this.camera =
                config.camera() != null ? config.camera() : new SyntheticCamera(config.clock(), identity.serial());
        this.eventMedia = new EventMediaCapture(camera, CAPTURE_EVERY);
        this.pairing = new PairingWindow(
                config.clock(), config.pairingWindow(), config.pairingHold(), PairingWindow.DEFAULT_MAX_FAILURES);
        this.sightings = new ClaimCodeSightings(config.clock());
        this.doorRelay = new DoorRelay(config.clock(), DoorRelay.DEFAULT_OPEN_FOR);
        this.chime = new Chime(config.clock());
        // Off until turned on (the simulator does; an owner's setting will): a doorbell that reports motion
        // nobody asked for is noise.
        MotionSettings motionSettings = MotionSettings.defaults().withSensitivity(0);
        if (camera instanceof SyntheticCamera synthetic) {
            // The simulator's porch: still bars, its clock and bouncing box masked, a walker to detect.
            synthetic.setBarsMoving(false);
            motionSettings = motionSettings.withMaskedZones(SyntheticCamera.animatedAreas().stream()
                    .map(r -> Region.ofPixels(r, SyntheticCamera.WIDTH, SyntheticCamera.HEIGHT))
                    .toList());
        }
        MotionSettings beforeOwner = motionSettings;
        motionSettings = signedMotion
                .load()
                .map(owners -> SignedMotionSetting.applied(beforeOwner, owners))
                .orElse(motionSettings);
        this.motion = new MotionDetector(motionSettings);
        this.thread = new AgentThread("doorward-agent-" + identity.serial());
        this.releases = new TransportReleases(thread);
        this.claims = new ClaimFlow(
                identity,
                config.clock(),
                config.random(),
                transports,
                thread,
                releases,
                pairing,
                sightings,
                this::claimed);
        this.resets = new ResetFlow(new ResetSteps(), coolingOffSetting, config.coolingOff(), config.clock(), thread);
        this.uploads = new EventMediaUploads(
                layout.dataDir().resolve("media-outbox"),
                config.clock(),
                config.random(),
                thread,
                delivery::waiting,
                () -> link != null && linkWatch.get() == LinkState.CONNECTED ? link : null);
    }

    /**
     * The device's own files are readable by its own user only (0700 directories, 0600 files, which
     * {@link AtomicFiles} writes): the outbox, the media queue, the identity and the ownership record say who
     * rang and who owns the door. Directories made by an earlier version are tightened here.
     */
    private static void ownerOnlyDirectories(DeviceLayout layout) {
        try {
            for (Path dir :
                    List.of(layout.deviceDir(), layout.identityDir(), layout.protectedDir(), layout.dataDir())) {
                AtomicFiles.ownerOnlyDirectory(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the device directory", e);
        }
    }

    /** Starts the agent: a factory-new device opens its pairing window, an owned one connects to its hub. */
    public static DeviceAgent start(DeviceConfig config) {
        return start(config, WebSocketTransport::new);
    }

    static DeviceAgent start(DeviceConfig config, Function<SSLContext, Transport> transports) {
        DeviceAgent agent = new DeviceAgent(config, transports);
        try {
            agent.thread.call(() -> {
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
        // The chime first: it is the doorbell's own, and rings whatever the network does.
        chime.ring();
        return thread.call(() -> ownership.isOwned() ? Optional.of(report(EventKind.RING, null)) : Optional.empty());
    }

    /** The enclosure was opened or the doorbell pulled off the wall; empty if it has no owner to tell. */
    public Optional<String> tamper() {
        return thread.call(() -> ownership.isOwned() ? Optional.of(report(EventKind.TAMPER, null)) : Optional.empty());
    }

    /**
     * The camera stopped or started delivering video (a real camera's supervisor says so): owners see it in the
     * history. Empty if the device has no owner to tell.
     */
    public Optional<String> cameraStatus(boolean online, String reason) {
        String detail = reason == null ? null : reason.substring(0, Math.min(reason.length(), 200));
        return thread.call(() -> ownership.isOwned()
                ? Optional.of(report(online ? EventKind.CAMERA_ONLINE : EventKind.CAMERA_OFFLINE, detail))
                : Optional.empty());
    }

    /**
     * The button was held for {@code held}. At least the reset hold ({@link DeviceConfig#resetHold()}) is a
     * physical reset, as {@link #pressResetPin()}. Otherwise, long enough opens the pairing window (and tells
     * an owner that someone did so). Returns whether the pairing window opened: a reset hold on an owned
     * device starts the cooling-off period instead and returns false.
     */
    public boolean holdButton(Duration held) {
        return thread.call(() -> {
            if (held.compareTo(config.resetHold()) >= 0) {
                return resets.physicalReset("a reset hold");
            }
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

    /**
     * Someone pressed the reset pin. On an owned device this starts the cooling-off period (the device stays
     * owned and tells its owner, who can veto; a reset already pending keeps its deadline); on a factory-new
     * device it opens the pairing window. Returns the reset deadline, if one is pending afterwards.
     */
    public Optional<Instant> pressResetPin() {
        return thread.call(() -> {
            resets.physicalReset("the reset pin");
            return ownership.resetDeadline();
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

    /** When a pending physical reset takes effect, unless the owner vetoes first. */
    public Optional<Instant> resetDeadline() {
        return ownership.resetDeadline();
    }

    /** How long the button must be held for a physical reset. */
    public Duration resetHold() {
        return config.resetHold();
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

    /** Waits until the ownership state is {@code wanted} (any state, RESET_PENDING included). */
    public boolean awaitOwnership(OwnershipState wanted, Duration timeout) {
        return await(ownershipWatch, wanted, timeout);
    }

    /** Events not yet acknowledged by the hub. */
    public int pendingEvents() {
        return outbox.size();
    }

    public boolean pairingWindowOpen() {
        return thread.call(pairing::isOpen);
    }

    /**
     * Whether the agent's thread runs a task within {@code within}: a stuck agent thread (every flow runs on it)
     * is what the systemd watchdog in DoorbellMain restarts.
     */
    public boolean responsive(java.time.Duration within) {
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        thread.execute(ran::countDown);
        try {
            return ran.await(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The pairing window's state, including why it closed. */
    public PairingWindow.State pairingState() {
        return thread.call(pairing::state);
    }

    @Override
    public void close() {
        try {
            thread.call(() -> {
                closed = true;
                resets.close();
                stopScanning();
                if (ticking != null) {
                    ticking.cancel(false);
                }
                claims.close();
                stopMedia();
                if (link != null) {
                    link.close();
                }
                return null;
            });
        } catch (IllegalStateException e) {
            // already shut down
        }
        eventMedia.close();
        thread.close();
        if (linkTransport != null) {
            linkTransport.close();
        }
        releases.close();
        linkWatch.set(LinkState.DISCONNECTED);
    }

    // ---- on the agent thread

    private void powerUp() {
        if (ownership.isOwned()) {
            startLink();
            ownership
                    .resetDeadline()
                    .ifPresent(at -> log.warn("A physical reset is pending until {} unless the owner vetoes", at));
            // A deadline that passed while the device was off completes now (the link gets a moment to
            // deliver RESET_COMPLETED first).
            resets.checkDeadline();
        } else {
            pairing.powerUp();
            startScanning();
            log.info("Factory-new device {}: pairing window open", identity.serial());
        }
        ticking = thread.repeat(this::tick, TICK, TICK);
    }

    /** Runs the clock rules now instead of at the next tick. For tests that move a mutable clock. */
    void tickNow() {
        thread.call(() -> {
            tick();
            return null;
        });
    }

    private void tick() {
        if (closed) {
            return;
        }
        resets.checkDeadline();
        if (media != null) {
            media.tick();
            uploads.next();
        }
        deliverDue();
        if (nextRenewalCheck != null
                && link != null
                && linkWatch.get() == LinkState.CONNECTED
                && !config.clock().instant().isBefore(nextRenewalCheck)) {
            checkRenewal();
        }
    }

    /** Stores the new ownership record durably, then makes it the device's. */
    private void change(Ownership next) {
        ownershipStore.save(next);
        ownership = next;
        ownershipWatch.set(next.state());
    }

    /** The owner switched motion on or off or drew motion zones (signed by an owner or admin browser). */
    private void motionSet(LinkMessage.SetMotion message) {
        SignedMotionSetting.Result result =
                signedMotion.apply(message, ownership, config.clock().instant());
        if (result.problem().isPresent()) {
            log.warn("Refused a motion setting: {}", result.problem().get());
            if (link != null) {
                link.send(new LinkError(
                        ErrorCode.NOT_ALLOWED,
                        "setting refused: " + result.problem().get()));
            }
            return;
        }
        MotionSetting setting = result.setting().orElseThrow();
        motion.update(SignedMotionSetting.applied(motion.settings(), setting));
        log.info("Motion setting is now {}", setting.format());
        report(EventKind.SETTING_CHANGED, EventDetail.MOTION + setting.format());
    }

    // ---- the end of an ownership (ResetFlow decides; these are the doorbell's parts of it)

    private final class ResetSteps implements ResetFlow.Doorbell {
        @Override
        public Ownership ownership() {
            return ownership;
        }

        @Override
        public void change(Ownership next) {
            DeviceAgent.this.change(next);
        }

        @Override
        public String report(EventKind kind, String detail) {
            return DeviceAgent.this.report(kind, detail);
        }

        @Override
        public void refuse(LinkError error) {
            if (link != null) {
                link.send(error);
            }
        }

        @Override
        public boolean linked() {
            return link != null;
        }

        @Override
        public void forgetOwner() {
            stopLink();
            wipeData();
            signedMotion.forget(); // the owner's zones go with the owner
        }

        @Override
        public void openPairingByReset() {
            pairing.physicalReset();
            sightings.reset();
            startScanning();
        }

        @Override
        public void openPairingAsNew() {
            pairing.powerUp();
            sightings.reset();
            startScanning();
        }
    }

    private void wipeData() {
        Path data = layout.dataDir();
        try (var paths = Files.walk(data)) {
            List<Path> all = paths.sorted(Comparator.reverseOrder()).toList();
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        } catch (NoSuchFileException e) {
            // nothing to wipe
        } catch (IOException e) {
            throw new UncheckedIOException("cannot wipe the data directory", e);
        }
        ownerOnlyDirectories(layout);
        outbox = new Outbox(layout.outboxDir());
        delivery.replaceOutbox(outbox);
        uploads.wiped();
    }

    private void stopLink() {
        stopMedia();
        if (link != null) {
            link.close();
            link = null;
        }
        if (linkTransport != null) {
            releases.retire(linkTransport);
            linkTransport = null;
        }
        nextRenewalCheck = null;
    }

    // ---- operational certificate renewal

    private void checkRenewal() {
        Instant now = config.clock().instant();
        nextRenewalCheck = now.plus(CertificateRenewal.CHECK_EVERY);
        if (link != null && ownership.isOwned() && CertificateRenewal.due(ownership.operationalCertificate(), now)) {
            log.info("Operational certificate past half its lifetime: asking the hub for a new one");
            link.send(new RenewCertificate());
        }
    }

    private void certificateRenewed(CertificateRenewed renewed) {
        CertificateRenewal.Verdict verdict = CertificateRenewal.verify(
                renewed.operationalCertificatePem(),
                ownership,
                identity.credential().certificate().getPublicKey(),
                config.clock().instant());
        switch (verdict) {
            case CertificateRenewal.Verdict.Refused refused -> {
                log.warn("Refused a renewed operational certificate: {}", refused.why());
                link.send(new LinkError(ErrorCode.INVALID_FIELD, "renewed certificate refused: " + refused.why()));
            }
            case CertificateRenewal.Verdict.Accepted accepted -> {
                change(ownership.withOperationalCertificate(accepted.certificate()));
                // The current connection stays as it is; the next one presents the new certificate.
                linkTransport.switchTo(linkTransportFor(ownership));
                log.info(
                        "Stored a renewed operational certificate (valid until {})",
                        accepted.certificate().getNotAfter().toInstant());
            }
        }
    }

    // ---- the household roster

    /**
     * Accepts a roster only if it chains back to the pinned owner key (RosterVerifier); stores it with the
     * owner key it names in one atomic write, then tells the hub which epoch it holds now.
     */
    private void rosterReceived(LinkMessage.RosterUpdate update) {
        if (!ownership.isOwned()) {
            return;
        }
        RosterVerifier.Result result = RosterVerifier.verify(
                update.text(),
                update.signatureBytes(),
                update.signerPublicKeyBytes(),
                ownership.roster(),
                ownership.ownerKeyFingerprint(),
                ownership.claimedAt().minus(ROSTER_CLOCK_SKEW),
                config.clock().instant());
        if (result instanceof RosterVerifier.Accepted accepted) {
            change(ownership.withRoster(update.text(), accepted.ownerFingerprint()));
            long epoch = accepted.acceptedRoster().epoch();
            log.info(
                    "Accepted roster {} ({} member browsers)",
                    epoch,
                    accepted.acceptedRoster().members().size());
            link.send(new LinkMessage.RosterStatus(epoch));
            if (media != null) {
                media.rosterAccepted(accepted.acceptedRoster());
            }
        } else {
            String reason = result.problem().orElse("refused");
            log.warn("Refused a roster: {}", reason);
            link.send(new LinkMessage.RosterRefused(epochOf(update.text()), reason));
        }
    }

    private long rosterEpoch() {
        return ownership.roster().map(text -> Roster.parse(text).epoch()).orElse(0L);
    }

    /** The epoch a refused roster claims, for the report; 0 when it cannot even be read. */
    private static long epochOf(String text) {
        try {
            return Roster.parse(text).epoch();
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    /** The roster the device holds now, if any. */
    public Optional<Roster> roster() {
        return ownership.roster().map(Roster::parse);
    }

    /** Adds an event to the outbox (durably) and sends it if the link is up. */
    private String report(EventKind kind, String detail) {
        DeviceEvent event = new DeviceEvent(
                RandomIds.newId(config.random()), kind, config.clock().millis(), detail);
        outbox.add(event);
        if (link != null) {
            // Someone at the door now goes first, whatever backlog is still draining.
            delivery.added(event).ifPresent(link::send);
        }
        if (SNAPSHOT_KINDS.contains(kind)) {
            try {
                captureEventMedia(event.eventId(), kind);
            } catch (RuntimeException e) {
                // The event itself is safe in the outbox; a picture that could not be taken must not undo it.
                log.error("Could not take the picture of an event", e);
            }
        }
        return event.eventId();
    }

    private void startScanning() {
        if (scanning == null) {
            scanning = thread.repeat(this::scan, Duration.ZERO, config.scanInterval());
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
            claims.checkExpired();
            if (!pairing.isOpen()) {
                log.info("Pairing window closed ({})", pairing.state());
                stopScanning();
                return;
            }
            Optional<String> text = scanner.scan(camera.capture());
            if (text.isEmpty()) {
                return;
            }
            if (MoveCode.looksLikeOne(text.get())) {
                moveSeen(text.get());
                return;
            }
            switch (sightings.sighted(text.get(), ownership)) {
                case Decision.Claim c -> claims.start(c.code(), ownership);
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

    /**
     * The owner shows the doorbell its hub's new address. It follows only a move signed by the pinned owner
     * key for the same hub CA and this device; anything else is ignored (and never a new owner).
     */
    private void moveSeen(String text) {
        MoveCode code;
        try {
            code = MoveCode.parse(text);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (ownership.hubUrl() != null && ownership.hubUrl().equals(code.hubUrl())) {
            return; // already there
        }
        Optional<String> problem =
                MoveStatement.problem(code, ownership, config.clock().instant());
        if (problem.isPresent()) {
            log.warn("Ignored a move code: {}", problem.get());
            return;
        }
        log.warn("The owner moved the hub to {}; reconnecting there", code.hubUrl());
        change(ownership.withHubUrl(code.hubUrl()));
        stopLink();
        startLink();
    }

    // ---- claim (factory-new only; ClaimFlow runs it)

    private void claimed(Ownership owned) {
        // Durable first: if the power fails now, the device wakes up owned, never half-claimed.
        change(owned);
        pairing.close();
        stopScanning();
        log.info("Claimed: device {} now belongs to its hub", owned.deviceId());
        startLink();
    }

    // ---- link (owned only)

    private void startLink() {
        if (closed || link != null) {
            return;
        }
        Ownership owned = ownership;
        linkTransport = new SwitchingTransport(linkTransportFor(owned));
        Backoff backoff = new Backoff(config.reconnectBase(), config.reconnectCap(), config.random());
        LinkHandler handler = new LinkHandler();
        link = new LinkClient(
                owned.hubUrl(),
                owned.deviceId(),
                linkTransport,
                thread.scheduler(),
                backoff,
                config.clock(),
                config.heartbeat(),
                handler,
                this::linkStateChanged);
        handler.client = link;
        startMedia(owned);
        link.start();
    }

    private void linkStateChanged(LinkState state) {
        if (state != LinkState.CONNECTED) {
            delivery.linkDown();
        }
        linkWatch.set(state);
        LiveMedia live = media;
        if (state != LinkState.CONNECTED && live != null) {
            live.linkDown();
        }
    }

    /** Keys and streams for live view; a first epoch at once when the device already holds a roster. */
    private void startMedia(Ownership owned) {
        if (media != null) {
            return;
        }
        doorCommands = new DoorCommands(owned.deviceId(), config.clock(), config.random(), doorRelay);
        try {
            Files.createDirectories(layout.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory", e);
        }
        media = new LiveMedia(
                owned.deviceId(),
                camera,
                config.clock(),
                config.random(),
                speakerFile(),
                config.audio(),
                this::sendMediaKeys,
                // A slow uplink loses whole frames here instead of queueing seconds of video.
                new CongestionGate(
                        part -> {
                            LinkClient current = link;
                            if (current != null) {
                                current.sendBinary(part);
                            }
                        },
                        () -> {
                            LinkClient current = link;
                            return current == null ? 0 : current.mediaBacklog();
                        },
                        LinkClient.MEDIA_BACKLOG_LIMIT));
        owned.roster().map(Roster::parse).ifPresent(media::rosterAccepted);
        capturing = thread.repeat(this::captureTick, CAPTURE_EVERY, CAPTURE_EVERY);
    }

    /** Samples the camera: into the clip buffer, and through the motion detector. */
    private void captureTick() {
        if (closed || media == null) {
            return;
        }
        Instant now = config.clock().instant();
        BufferedImage small = eventMedia.sample(now);
        motion.offer(small, now)
                .ifPresent(seen ->
                        report(EventKind.MOTION, String.format(java.util.Locale.ROOT, "score=%.3f", seen.score())));
    }

    /**
     * After an event is safely in the outbox: its snapshot (now) and clip (the buffered seconds before), sealed
     * to the household and queued for upload.
     */
    private void captureEventMedia(String eventId, EventKind kind) {
        LiveMedia live = media;
        if (live == null) {
            return; // not owned and linked yet: no media key, no picture
        }
        eventMedia.capture(
                live,
                ownership.deviceId(),
                eventId,
                kind,
                config.clock().instant(),
                uploads.outbox(),
                () -> thread.execute(uploads::next));
    }

    /** An error from the hub about one event or upload (never both: media goes only once its event is in). */
    private void refusedByHub(LinkError error) {
        if (delivery.concerns(error)) {
            delivery.refused(error).forEach(link::send);
            if (error.code() == ErrorCode.RATE_LIMITED) {
                thread.schedule(
                        this::deliverDue, Duration.between(config.clock().instant(), delivery.pausedUntil()));
            }
        } else if (uploads.concerns(error)) {
            uploads.refused(error);
        } else if (error.eventId() != null) {
            log.info("The hub refused {} for event {}", error.code().wireName(), error.eventId());
        }
    }

    /** Events whose wait is over (or whose acknowledgement never came) go again. */
    private void deliverDue() {
        if (closed || link == null || linkWatch.get() != LinkState.CONNECTED) {
            return;
        }
        delivery.tick().forEach(link::send);
    }

    /** Motion detection: sensitivity 0 is off (the default); masked zones are ignored. */
    public void motionSettings(MotionSettings settings) {
        motion.update(settings);
    }

    public MotionSettings motionSettings() {
        return motion.settings();
    }

    /** Event media waiting for the hub (for tests and the control panel). */
    public int pendingEventMedia() {
        return uploads.pending();
    }

    private void stopMedia() {
        if (capturing != null) {
            capturing.cancel(false);
            capturing = null;
        }
        eventMedia.forget();
        uploads.stopped();
        if (media != null) {
            media.close();
            media = null;
        }
    }

    private void sendMediaKeys(List<MediaKeyWrap.Envelope> envelopes) {
        LinkClient current = link;
        if (current == null) {
            return;
        }
        for (MediaKeyWrap.Envelope envelope : envelopes) {
            current.send(LinkMessage.MediaKey.of(
                    envelope.context().mediaEpoch(),
                    envelope.context().clientId(),
                    envelope.context().slot(),
                    envelope.ephemeralKey(),
                    envelope.nonce(),
                    envelope.wrapped()));
        }
    }

    /** A member's signed door release: checked here against the roster, never taken on the hub's word. */
    private void doorOpen(LinkMessage.DoorOpen open) {
        DoorCommands.Outcome outcome =
                doorCommands.open(open.statement(), open.signatureBytes(), open.signerPublicKeyBytes(), roster());
        link.send(new LinkMessage.DoorResult(open.requestId(), outcome.opened(), outcome.reason()));
        if (outcome.opened()) {
            log.info("Door released for browser {}", outcome.clientId());
            report(EventKind.DOOR_OPENED, "by " + outcome.clientId());
        } else {
            log.warn("Refused to open the door: {}", outcome.reason());
        }
    }

    /** The simulated door relay. */
    public DoorRelay door() {
        return doorRelay;
    }

    public Chime chime() {
        return chime;
    }

    /** Where the doorbell's speaker writes what members say at the door (a WAV file in the data directory). */
    public Path speakerFile() {
        return layout.dataDir().resolve("speaker.wav");
    }

    /** Live view state, for tests and the simulator's control panel. */
    public Optional<LiveMedia> liveMedia() {
        return Optional.ofNullable(media);
    }

    private Transport linkTransportFor(Ownership owned) {
        Credential operational =
                owned.operationalCredential(identity.credential().privateKey());
        return transports.apply(TlsContexts.client(operational, owned.hubCa()));
    }

    /** What the hub says on the normal link; ignored once that link is no longer the device's. */
    private final class LinkHandler implements LinkClient.Handler {
        LinkClient client;

        @Override
        public void connected(Welcome welcome) {
            if (link != client) {
                return;
            }
            // At least once: everything not yet acknowledged goes again, oldest first, as fast as the hub acks.
            delivery.linkUp().forEach(link::send);
            checkRenewal();
            link.send(new LinkMessage.RosterStatus(rosterEpoch()));
            if (media != null) {
                media.linkUp();
            }
            uploads.linkUp();
        }

        @Override
        public void receivedBinary(java.nio.ByteBuffer message) {
            LiveMedia live = media;
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
                case CertificateRenewed renewed -> certificateRenewed(renewed);
                case LinkMessage.RosterUpdate roster -> rosterReceived(roster);
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
                    if (media != null) {
                        media.viewers(live.viewers());
                    }
                }
                default -> log.warn("Ignored an unexpected {} on the link", message.type());
            }
        }
    }

    // ---- plumbing

    private static <T> boolean await(StateWatch<T> watch, T wanted, Duration timeout) {
        try {
            return watch.await(wanted, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
