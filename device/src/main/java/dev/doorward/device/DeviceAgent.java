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
import dev.doorward.device.history.EventMediaObjects;
import dev.doorward.device.history.FrameBuffer;
import dev.doorward.device.history.MediaOutbox;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.link.Backoff;
import dev.doorward.device.link.LinkClient;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.link.SwitchingTransport;
import dev.doorward.device.link.Transport;
import dev.doorward.device.link.WebSocketTransport;
import dev.doorward.device.media.CongestionGate;
import dev.doorward.device.media.LiveMedia;
import dev.doorward.device.motion.MotionDetector;
import dev.doorward.device.motion.MotionSettings;
import dev.doorward.device.motion.Region;
import dev.doorward.device.outbox.EventDelivery;
import dev.doorward.device.outbox.Outbox;
import dev.doorward.device.outbox.Retries;
import dev.doorward.device.ownership.CertificateRenewal;
import dev.doorward.device.ownership.CoolingOffSetting;
import dev.doorward.device.ownership.MoveStatement;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.ownership.OwnershipLifecycle;
import dev.doorward.device.ownership.OwnershipLifecycle.Step;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.device.ownership.OwnershipStore;
import dev.doorward.device.ownership.ReleaseStatement;
import dev.doorward.device.ownership.RosterVerifier;
import dev.doorward.device.pairing.ClaimCodeSightings;
import dev.doorward.device.pairing.ClaimCodeSightings.Decision;
import dev.doorward.device.pairing.ClaimConversation;
import dev.doorward.device.pairing.PairingWindow;
import dev.doorward.device.pairing.QrScanner;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.CertificateRenewed;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.EventAck;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import dev.doorward.protocol.LinkMessage.FromDevice;
import dev.doorward.protocol.LinkMessage.FromHub;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.Release;
import dev.doorward.protocol.LinkMessage.RenewCertificate;
import dev.doorward.protocol.LinkMessage.ResetVeto;
import dev.doorward.protocol.LinkMessage.Welcome;
import dev.doorward.protocol.MediaPart;
import dev.doorward.protocol.MoveCode;
import dev.doorward.protocol.ProtocolException;
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
    /** How often the camera is sampled for motion and the clip buffer while owned. */
    static final Duration CAPTURE_EVERY = Duration.ofMillis(200);
    /** How much video before an event its clip shows. */
    static final Duration CLIP_LENGTH = Duration.ofSeconds(3);

    static final int CLIP_WIDTH = 320;
    static final int CLIP_HEIGHT = 240;
    /** An upload the hub has not confirmed by then is sent again. */
    static final Duration UPLOAD_TIMEOUT = Duration.ofSeconds(30);
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
    /** How long a completing reset waits for the hub to acknowledge RESET_COMPLETED before it wipes anyway. */
    static final Duration RESET_REPORT_GRACE = Duration.ofSeconds(5);

    private final DeviceConfig config;
    private final DeviceLayout layout;
    private final DeviceIdentity identity;
    private final OwnershipStore ownershipStore;
    private final CoolingOffSetting coolingOffSetting;
    /** Replaced (empty) when a completed reset wipes the data directory. */
    private volatile Outbox outbox;
    /** When each outbox event goes to the hub, and what happens when the hub refuses one. */
    private final EventDelivery delivery;
    /** Event media the hub could not store for now ({@code internal}): tried again after a back-off. */
    private final Retries uploadRetries;
    /** The hub asked for a pause in uploads (rate-limited) until then. */
    private Instant uploadsPausedUntil = Instant.MIN;

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
    private SwitchingTransport linkTransport;
    private ClaimRun claim;
    private final DoorRelay doorRelay;
    private final Chime chime;
    /** Door releases for the current owner; made with the link. */
    private DoorCommands doorCommands;
    /** The last seconds of small frames for event clips, and motion detection on them. */
    private final FrameBuffer recentFrames =
            new FrameBuffer(CLIP_LENGTH, (int) (CLIP_LENGTH.toMillis() / CAPTURE_EVERY.toMillis()) + 1);

    private final MotionDetector motion;
    /** Sealed snapshots and clips not yet stored by the hub (in the data directory, so a reset wipes them). */
    private volatile MediaOutbox mediaOutbox;
    /** Builds and seals event media off the agent thread: never on the path from a press to the ring. */
    private final java.util.concurrent.ExecutorService mediaWork =
            java.util.concurrent.Executors.newThreadPerTaskExecutor(
                    Thread.ofVirtual().name("doorward-event-media").factory());

    private ScheduledFuture<?> capturing;
    /** The upload in flight, and when it started; null when none. */
    private MediaOutbox.Pending uploading;

    private Instant uploadStarted;
    /** Live view and talk while owned and linked; read by the link's media threads. */
    private volatile LiveMedia media;

    private ScheduledFuture<?> scanning;
    private ScheduledFuture<?> ticking;
    /** Set while a reset whose cooling-off ended waits for the hub's ack of RESET_COMPLETED. */
    private ResetCompletion completing;
    /** When a connected device next checks its operational certificate; null while the link is down. */
    private Instant nextRenewalCheck;

    private boolean closed;
    /** Claim and retired link transports not yet released (their close waits for the polite goodbye). */
    private final Set<Transport> claimTransports = ConcurrentHashMap.newKeySet();

    private DeviceAgent(DeviceConfig config, Function<SSLContext, Transport> transports) {
        this.config = config;
        this.transports = transports;
        this.layout = new DeviceLayout(config.deviceDir());
        this.identity = DeviceIdentity.load(config.deviceDir());
        this.ownershipStore = new OwnershipStore(layout.protectedDir());
        this.coolingOffSetting = new CoolingOffSetting(layout.protectedDir());
        this.ownership = ownershipStore.load();
        this.ownershipWatch = new StateWatch<>(ownership.state());
        ownerOnlyDirectories(layout);
        this.outbox = new Outbox(layout.outboxDir());
        this.delivery = new EventDelivery(outbox, config.clock(), config.random());
        this.uploadRetries = new Retries(config.random());
        this.camera =
                config.camera() != null ? config.camera() : new SyntheticCamera(config.clock(), identity.serial());
        this.pairing = new PairingWindow(
                config.clock(), config.pairingWindow(), config.pairingHold(), PairingWindow.DEFAULT_MAX_FAILURES);
        this.sightings = new ClaimCodeSightings(config.clock());
        this.doorRelay = new DoorRelay(config.clock(), DoorRelay.DEFAULT_OPEN_FOR);
        this.chime = new Chime(config.clock());
        this.mediaOutbox = new MediaOutbox(layout.dataDir().resolve("media-outbox"), MediaOutbox.DEFAULT_MAX_OBJECTS);
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
        this.motion = new MotionDetector(motionSettings);
        this.executor = new ScheduledThreadPoolExecutor(
                1,
                Thread.ofVirtual().name("doorward-agent-" + identity.serial()).factory());
        this.executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor.setRemoveOnCancelPolicy(true);
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
        // The chime first: it is the doorbell's own, and rings whatever the network does.
        chime.ring();
        return call(() -> ownership.isOwned() ? Optional.of(report(EventKind.RING, null)) : Optional.empty());
    }

    /** The enclosure was opened or the doorbell pulled off the wall; empty if it has no owner to tell. */
    public Optional<String> tamper() {
        return call(() -> ownership.isOwned() ? Optional.of(report(EventKind.TAMPER, null)) : Optional.empty());
    }

    /**
     * The camera stopped or started delivering video (a real camera's supervisor says so): owners see it in the
     * history. Empty if the device has no owner to tell.
     */
    public Optional<String> cameraStatus(boolean online, String reason) {
        String detail = reason == null ? null : reason.substring(0, Math.min(reason.length(), 200));
        return call(() -> ownership.isOwned()
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
        return call(() -> {
            if (held.compareTo(config.resetHold()) >= 0) {
                return physicalReset("a reset hold");
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
        return call(() -> {
            physicalReset("the reset pin");
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
                if (ticking != null) {
                    ticking.cancel(false);
                }
                if (claim != null) {
                    claim.end();
                    claim = null;
                }
                stopMedia();
                if (link != null) {
                    link.close();
                }
                return null;
            });
        } catch (IllegalStateException e) {
            // already shut down
        }
        mediaWork.shutdownNow();
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
            ownership
                    .resetDeadline()
                    .ifPresent(at -> log.warn("A physical reset is pending until {} unless the owner vetoes", at));
            // A deadline that passed while the device was off completes now (the link gets a moment to
            // deliver RESET_COMPLETED first).
            checkResetDeadline();
        } else {
            pairing.powerUp();
            startScanning();
            log.info("Factory-new device {}: pairing window open", identity.serial());
        }
        long tick = TICK.toMillis();
        ticking = executor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Runs the clock rules now instead of at the next tick. For tests that move a mutable clock. */
    void tickNow() {
        call(() -> {
            tick();
            return null;
        });
    }

    private void tick() {
        // A periodic task that throws is never run again: keep the timer alive whatever happens.
        try {
            if (closed) {
                return;
            }
            checkResetDeadline();
            if (media != null) {
                media.tick();
                uploadNext();
            }
            deliverDue();
            if (nextRenewalCheck != null
                    && link != null
                    && linkWatch.get() == LinkState.CONNECTED
                    && !config.clock().instant().isBefore(nextRenewalCheck)) {
                checkRenewal();
            }
        } catch (RuntimeException e) {
            log.error("Timer check failed", e);
        }
    }

    /** Stores the new ownership record durably, then makes it the device's. */
    private void change(Ownership next) {
        ownershipStore.save(next);
        ownership = next;
        ownershipWatch.set(next.state());
    }

    // ---- physical reset (the device is authoritative)

    /** A reset hold or the reset pin. Returns whether the pairing window opened. */
    private boolean physicalReset(String how) {
        if (completing != null) {
            log.warn("Physical reset by {} while a reset is completing: nothing more to do", how);
            return false;
        }
        Instant now = config.clock().instant();
        Step step = OwnershipLifecycle.physicalReset(
                ownership, now, coolingOffSetting.load().orElse(config.coolingOff()));
        switch (step) {
            case Step.OpenPairing p -> {
                log.info("Physical reset by {} on a factory-new device: pairing window opened", how);
                pairing.physicalReset();
                sightings.reset();
                startScanning();
                return true;
            }
            case Step.ResetStarted started -> {
                // Durable first: a restart or a wiped data directory must not lose (or skip) the deadline.
                change(started.next());
                Instant until = started.next().resetAt();
                log.warn("Physical reset by {}: device stays owned until {} unless the owner vetoes", how, until);
                report(EventKind.RESET_PENDING, "until=" + until.toEpochMilli());
                return false;
            }
            case Step.ResetAlreadyPending pending -> {
                Instant until = pending.next().resetAt();
                log.warn("Physical reset by {} while one is pending: the deadline stays {}", how, until);
                report(EventKind.RESET_PENDING, "until=" + until.toEpochMilli());
                return false;
            }
            default -> throw new IllegalStateException("unexpected " + step);
        }
    }

    /** The hub relayed the owner's veto. Only ever keeps the device owned. */
    private void resetVetoed() {
        if (completing != null) {
            log.warn("Ignored a reset veto: too late, the reset is completing");
            return;
        }
        Step step = OwnershipLifecycle.veto(ownership, config.clock().instant());
        if (step instanceof Step.ResetCancelled cancelled) {
            change(cancelled.next());
            log.warn("The owner vetoed the physical reset: device stays owned (flagged)");
            report(EventKind.RESET_CANCELLED, null);
        } else if (step instanceof Step.Unchanged unchanged) {
            log.info("Ignored a reset veto: {}", unchanged.why());
        }
    }

    /** The owner chose another cooling-off period (signed by their key; zero only by their choice). */
    private void coolingOffSet(LinkMessage.SetCoolingOff setting) {
        CoolingOffSetting.Result result =
                coolingOffSetting.apply(setting, ownership, config.clock().instant());
        if (result.problem().isPresent()) {
            log.warn("Refused a cooling-off setting: {}", result.problem().get());
            if (link != null) {
                link.send(new LinkError(
                        ErrorCode.NOT_ALLOWED,
                        "setting refused: " + result.problem().get()));
            }
            return;
        }
        long seconds = result.period().orElseThrow().toSeconds();
        log.info("Cooling-off period for a physical reset is now {} s", seconds);
        report(EventKind.SETTING_CHANGED, "cooling-off=" + seconds);
    }

    /**
     * The owner releases the device (selling it, giving it away). Only a statement signed by the browser key
     * pinned at claim time counts; then the device reports RELEASED and wipes itself like a completed reset.
     */
    private void released(Release release) {
        if (closed || completing != null) {
            return;
        }
        Optional<String> problem =
                ReleaseStatement.problem(release, ownership, config.clock().instant());
        if (problem.isPresent()) {
            log.warn("Refused a release: {}", problem.get());
            if (link != null) {
                link.send(new LinkError(ErrorCode.NOT_ALLOWED, "release refused: " + problem.get()));
            }
            return;
        }
        log.warn("Released by the owner: reporting, then resetting to factory-new");
        String eventId = report(EventKind.RELEASED, null);
        ResetCompletion completion = new ResetCompletion(eventId);
        completion.release = true;
        completing = completion;
        completion.timeout = executor.schedule(
                () -> guarded(() -> {
                    if (completing == completion) {
                        completeReset();
                    }
                }),
                RESET_REPORT_GRACE.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void checkResetDeadline() {
        if (closed || completing != null) {
            return;
        }
        if (!(OwnershipLifecycle.clock(ownership, config.clock().instant()) instanceof Step.ResetDue)) {
            return;
        }
        log.warn("Cooling-off period over without a veto: reporting, then resetting to factory-new");
        String eventId = report(EventKind.RESET_COMPLETED, null);
        if (link == null) {
            completeReset();
            return;
        }
        // Give the hub a moment to hear it (now, or as soon as the link is up); never wait longer.
        ResetCompletion completion = new ResetCompletion(eventId);
        completing = completion;
        completion.timeout = executor.schedule(
                () -> guarded(() -> {
                    if (completing == completion) {
                        log.info("The hub did not acknowledge the completed reset in time; wiping anyway");
                        completeReset();
                    }
                }),
                RESET_REPORT_GRACE.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Forgets the owner: the link goes, the data directory is wiped, the protected record becomes
     * FACTORY_NEW (operational certificate, hub CA, owner key and device id gone) and the pairing window
     * opens. The factory identity (device key and certificate, setup verifier) stays.
     */
    private void completeReset() {
        ResetCompletion completion = completing;
        completing = null;
        if (completion != null && completion.timeout != null) {
            completion.timeout.cancel(false);
        }
        boolean released = completion != null && completion.release;
        if (!ownership.isResetPending() && !released) {
            return;
        }
        stopLink();
        // The data first: a power cut before the record changes repeats the whole reset at start-up, whereas
        // the other order could leave a factory-new device holding its previous owner's data.
        wipeData();
        coolingOffSetting.forget();
        change(Ownership.factoryNew());
        log.warn("Reset complete: device {} is factory-new; pairing window open", identity.serial());
        pairing.powerUp();
        sightings.reset();
        startScanning();
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
        mediaOutbox = new MediaOutbox(layout.dataDir().resolve("media-outbox"), MediaOutbox.DEFAULT_MAX_OBJECTS);
    }

    private void stopLink() {
        stopMedia();
        if (link != null) {
            link.close();
            link = null;
        }
        if (linkTransport != null) {
            retire(linkTransport);
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
            if (MoveCode.looksLikeOne(text.get())) {
                moveSeen(text.get());
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

    // ---- claim (factory-new only)

    private void startClaim(ClaimCode code) {
        if (!OwnershipLifecycle.mayClaim(ownership)) {
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
        change(owned);
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
        linkTransport = new SwitchingTransport(linkTransportFor(owned));
        Backoff backoff = new Backoff(config.reconnectBase(), config.reconnectCap(), config.random());
        LinkHandler handler = new LinkHandler();
        link = new LinkClient(
                owned.hubUrl(),
                owned.deviceId(),
                linkTransport,
                executor,
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
        long every = CAPTURE_EVERY.toMillis();
        capturing =
                executor.scheduleWithFixedDelay(() -> guarded(this::captureTick), every, every, TimeUnit.MILLISECONDS);
    }

    /** Samples the camera: into the clip buffer, and through the motion detector. */
    private void captureTick() {
        if (closed || media == null) {
            return;
        }
        Instant now = config.clock().instant();
        BufferedImage small = scaled(camera.capture(), CLIP_WIDTH, CLIP_HEIGHT);
        recentFrames.add(small, now);
        motion.offer(small, now)
                .ifPresent(seen ->
                        report(EventKind.MOTION, String.format(java.util.Locale.ROOT, "score=%.3f", seen.score())));
    }

    private static BufferedImage scaled(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = out.createGraphics();
        g.setRenderingHint(
                java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    /**
     * After an event is safely in the outbox: its snapshot (now) and clip (the buffered seconds before), sealed
     * to the household and queued for upload. The picture is taken here; the rest runs on a media thread.
     */
    private void captureEventMedia(String eventId, EventKind kind) {
        LiveMedia live = media;
        if (live == null || live.currentEpoch().isEmpty()) {
            return; // no roster, no key: no picture at all
        }
        String deviceId = ownership.deviceId();
        Instant now = config.clock().instant();
        BufferedImage picture = camera.capture();
        // The seconds before, and the moment itself as the last frame (so a clip exists even right after start-up).
        List<FrameBuffer.Frame> frames = new java.util.ArrayList<>(recentFrames.frames());
        frames.add(new FrameBuffer.Frame(scaled(picture, CLIP_WIDTH, CLIP_HEIGHT), now));
        boolean withClip = kind == EventKind.RING || kind == EventKind.MOTION;
        MediaOutbox outboxNow = mediaOutbox;
        mediaWork.execute(() -> guarded(() -> {
            seal(live, deviceId, eventId, EventMediaKind.SNAPSHOT, EventMediaObjects.snapshot(picture, now))
                    .ifPresent(bytes -> outboxNow.add(eventId, kind, EventMediaKind.SNAPSHOT, bytes));
            if (withClip) {
                seal(
                                live,
                                deviceId,
                                eventId,
                                EventMediaKind.CLIP,
                                EventMediaObjects.clip(frames, CLIP_WIDTH, CLIP_HEIGHT))
                        .ifPresent(bytes -> outboxNow.add(eventId, kind, EventMediaKind.CLIP, bytes));
            }
            execute(this::uploadNext);
        }));
    }

    private static Optional<byte[]> seal(
            LiveMedia live, String deviceId, String eventId, EventMediaKind kind, byte[] plaintext) {
        return live.sealStill(plaintext, EventMediaObjects.associatedData(deviceId, eventId, kind.wireName()));
    }

    /**
     * Sends the next waiting object (see {@link MediaOutbox#next}) if the link is up and nothing is in flight.
     * An object waits while its event waits for the hub's acknowledgement (the hub stores media only for events it
     * has), while it backs off after a failure, and while the hub asked for a pause.
     */
    private void uploadNext() {
        if (closed || link == null || linkWatch.get() != LinkState.CONNECTED) {
            return;
        }
        Instant now = config.clock().instant();
        if (uploading != null && now.isBefore(uploadStarted.plus(UPLOAD_TIMEOUT))) {
            return;
        }
        uploading = null;
        if (now.isBefore(uploadsPausedUntil)) {
            return;
        }
        Optional<MediaOutbox.Pending> next = mediaOutbox.next(
                p -> !delivery.waiting(p.eventId()) && uploadRetries.ready(uploadKey(p.eventId(), p.kind()), now));
        if (next.isEmpty()) {
            return;
        }
        byte[] sealed;
        try {
            sealed = next.get().read();
        } catch (IOException e) {
            log.warn("Could not read a waiting event object; dropping it");
            mediaOutbox.stored(next.get().eventId(), next.get().kind());
            return;
        }
        uploading = next.get();
        uploadStarted = now;
        link.sendWithParts(
                new LinkMessage.MediaUpload(next.get().eventId(), next.get().kind(), sealed.length),
                MediaPart.split(MediaPart.Kind.EVENT_MEDIA, false, sealed));
    }

    private static String uploadKey(String eventId, EventMediaKind kind) {
        return eventId + '/' + kind.wireName();
    }

    private void mediaStored(LinkMessage.MediaStored stored) {
        mediaOutbox.stored(stored.eventId(), stored.kind());
        uploadRetries.forget(uploadKey(stored.eventId(), stored.kind()));
        if (uploading != null && uploading.eventId().equals(stored.eventId()) && uploading.kind() == stored.kind()) {
            uploading = null;
        }
        uploadNext();
    }

    /** The hub refused the upload in flight: act on it and go on with the next object at once. */
    private void uploadRefused(LinkError error) {
        MediaOutbox.Pending refused = uploading;
        uploading = null;
        Instant now = config.clock().instant();
        switch (error.code()) {
            case RATE_LIMITED -> {
                long wait = error.retryAfterMillis() > 0 ? error.retryAfterMillis() : 1_000;
                uploadsPausedUntil = now.plusMillis(wait);
                schedule(this::uploadNext, Duration.ofMillis(wait));
            }
            case INTERNAL, NOT_ALLOWED -> uploadRetries.failed(uploadKey(refused.eventId(), refused.kind()), now);
            default -> {
                log.warn(
                        "The hub refused the {} of event {} for good ({}); dropping it",
                        refused.kind().wireName(),
                        refused.eventId(),
                        error.code().wireName());
                mediaOutbox.stored(refused.eventId(), refused.kind());
            }
        }
        uploadNext();
    }

    /** An error from the hub about one event or upload (never both: media goes only once its event is in). */
    private void refusedByHub(LinkError error) {
        if (delivery.concerns(error)) {
            delivery.refused(error).forEach(link::send);
            if (error.code() == ErrorCode.RATE_LIMITED) {
                schedule(this::deliverDue, Duration.between(config.clock().instant(), delivery.pausedUntil()));
            }
        } else if (uploading != null && uploading.eventId().equals(error.eventId())) {
            uploadRefused(error);
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

    private void schedule(Runnable task, Duration delay) {
        try {
            executor.schedule(() -> guarded(task), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
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
        return mediaOutbox.pending().size();
    }

    private void stopMedia() {
        if (capturing != null) {
            capturing.cancel(false);
            capturing = null;
        }
        recentFrames.clear();
        uploading = null;
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
            uploadRetries.readyNow();
            uploadsPausedUntil = Instant.MIN;
            checkRenewal();
            link.send(new LinkMessage.RosterStatus(rosterEpoch()));
            if (media != null) {
                media.linkUp();
            }
            uploading = null;
            uploadNext();
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
                    if (completing != null && completing.eventId.equals(ack.eventId())) {
                        log.info("The hub acknowledged the completed reset");
                        completeReset();
                    } else {
                        uploadNext(); // the event's pictures may go now
                    }
                }
                case ResetVeto veto -> resetVetoed();
                case Release release -> released(release);
                case LinkMessage.SetCoolingOff setting -> coolingOffSet(setting);
                case CertificateRenewed renewed -> certificateRenewed(renewed);
                case LinkMessage.RosterUpdate roster -> rosterReceived(roster);
                case LinkMessage.DoorNonceRequest request ->
                    link.send(new LinkMessage.DoorNonce(request.requestId(), doorCommands.issueNonce()));
                case LinkMessage.DoorOpen open -> doorOpen(open);
                case LinkMessage.MediaStored stored -> mediaStored(stored);
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
            executor.execute(() -> guarded(task));
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("Agent task failed", e);
        }
    }

    /** Releases a transport after its connections had a moment to say goodbye. */
    private void retire(Transport transport) {
        claimTransports.add(transport);
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

    /** A reset whose cooling-off period ended, waiting for the hub to acknowledge RESET_COMPLETED. */
    private static final class ResetCompletion {
        final String eventId;
        ScheduledFuture<?> timeout;
        /** An owner's release rather than the end of a cooling-off period. */
        boolean release;

        ResetCompletion(String eventId) {
            this.eventId = eventId;
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
            retire(transport);
        }
    }
}
