package dev.doorward.device;

import dev.doorward.device.camera.Camera;
import dev.doorward.device.camera.SyntheticCamera;
import dev.doorward.device.door.Chime;
import dev.doorward.device.door.DoorRelay;
import dev.doorward.device.files.AtomicFiles;
import dev.doorward.device.history.EventMediaCapture;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.link.Transport;
import dev.doorward.device.link.TransportReleases;
import dev.doorward.device.link.WebSocketTransport;
import dev.doorward.device.media.LiveMedia;
import dev.doorward.device.motion.MotionDetector;
import dev.doorward.device.motion.MotionSettings;
import dev.doorward.device.motion.Region;
import dev.doorward.device.motion.SignedMotionSetting;
import dev.doorward.device.outbox.Outbox;
import dev.doorward.device.owned.OwnedLink;
import dev.doorward.device.ownership.CoolingOffSetting;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.device.ownership.OwnershipStore;
import dev.doorward.device.ownership.ResetFlow;
import dev.doorward.device.pairing.ClaimCodeSightings;
import dev.doorward.device.pairing.ClaimFlow;
import dev.doorward.device.pairing.CodeScanner;
import dev.doorward.device.pairing.PairingWindow;
import dev.doorward.device.thread.AgentThread;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.Roster;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One doorbell: its identity, its ownership record, its camera, button and pairing window, and the wiring of its
 * flows (claim in {@link ClaimFlow}, reset in {@link ResetFlow}, the QR codes in {@link CodeScanner}, the link
 * while owned with its events, media, roster and certificate in {@link OwnedLink}). Everything that changes state
 * runs on one agent thread, so the rules (an owned device never claims, a locked-out window stays shut) never race
 * with each other; this class owns that thread and the public API.
 *
 * <p>Used in-process by the simulator, the hub's tests and the end-to-end tests.
 *
 * <p>Over 400 lines because of its public API (buttons, state, waits for tests and the control panel, each with its
 * contract) and the wiring of the flows; the flows themselves are in their packages.
 */
public final class DeviceAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeviceAgent.class);
    /** How often the camera is sampled for motion and the clip buffer while owned. */
    static final Duration CAPTURE_EVERY = Duration.ofMillis(200);
    /** How often the clock rules (end of a cooling-off period, the daily renewal check) are looked at. */
    static final Duration TICK = Duration.ofSeconds(1);

    private final DeviceConfig config;
    private final DeviceLayout layout;
    private final DeviceIdentity identity;
    private final OwnershipStore ownershipStore;
    private final SignedMotionSetting signedMotion;

    private final Camera camera;
    private final PairingWindow pairing;
    private final ClaimCodeSightings sightings;
    private final AgentThread thread;
    /** Claim and retired link transports not yet released (their close waits for the polite goodbye). */
    private final TransportReleases releases;

    private final ClaimFlow claims;
    private final ResetFlow resets;
    private final CodeScanner codes;
    /** The link while owned; idle (no link) while factory-new. */
    private final OwnedLink link;

    private final StateWatch<OwnershipState> ownershipWatch;
    private final StateWatch<LinkState> linkWatch = new StateWatch<>(LinkState.DISCONNECTED);

    // Changed on the agent thread only; volatile for the getters.
    private volatile Ownership ownership;
    private final DoorRelay doorRelay;
    private final Chime chime;
    /** The clip buffer (which motion detection reads too) and each event's snapshot and clip. */
    private final EventMediaCapture eventMedia;

    private final MotionDetector motion;

    private ScheduledFuture<?> ticking;

    private boolean closed;

    private DeviceAgent(DeviceConfig config, Function<SSLContext, Transport> transports) {
        this.config = config;
        this.layout = new DeviceLayout(config.deviceDir());
        this.identity = DeviceIdentity.load(config.deviceDir());
        this.ownershipStore = new OwnershipStore(layout.protectedDir());
        CoolingOffSetting coolingOffSetting = new CoolingOffSetting(layout.protectedDir());
        this.signedMotion = new SignedMotionSetting(layout.protectedDir());
        this.ownership = ownershipStore.load();
        this.ownershipWatch = new StateWatch<>(ownership.state());
        ownerOnlyDirectories(layout);
        Outbox outbox = new Outbox(layout.outboxDir());
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
        this.codes = new CodeScanner(
                new ScannerSteps(), camera, pairing, sightings, claims, config.clock(), thread, config.scanInterval());
        this.link = new OwnedLink(
                new LinkSteps(),
                new OwnedLink.Settings(config.reconnectBase(), config.reconnectCap(), config.heartbeat()),
                config.clock(),
                config.random(),
                identity,
                transports,
                thread,
                releases,
                resets,
                outbox,
                layout.dataDir(),
                camera,
                speakerFile(),
                config.audio(),
                eventMedia,
                CAPTURE_EVERY,
                motion,
                signedMotion,
                doorRelay,
                chime);
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
            codes.start();
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
        return link.pendingEvents();
    }

    public boolean pairingWindowOpen() {
        return thread.call(pairing::isOpen);
    }

    /**
     * Whether the agent's thread runs a task within {@code within}: a stuck agent thread (every flow runs on it)
     * is what the systemd watchdog in DoorbellMain restarts.
     */
    public boolean responsive(Duration within) {
        CountDownLatch ran = new CountDownLatch(1);
        thread.execute(ran::countDown);
        try {
            return ran.await(within.toMillis(), TimeUnit.MILLISECONDS);
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
                codes.stop();
                if (ticking != null) {
                    ticking.cancel(false);
                }
                claims.close();
                link.close();
                return null;
            });
        } catch (IllegalStateException e) {
            // already shut down
        }
        eventMedia.close();
        thread.close();
        link.closeTransport();
        releases.close();
        linkWatch.set(LinkState.DISCONNECTED);
    }

    /** The roster the device holds now, if any. */
    public Optional<Roster> roster() {
        return ownership.roster().map(Roster::parse);
    }

    /** Adds an event to the outbox (durably) and sends it if the link is up. */
    private String report(EventKind kind, String detail) {
        return link.report(kind, detail);
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
        return link.pendingEventMedia();
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
        return link.liveMedia();
    }

    // ---- on the agent thread

    private void powerUp() {
        if (ownership.isOwned()) {
            link.start();
            ownership
                    .resetDeadline()
                    .ifPresent(at -> log.warn("A physical reset is pending until {} unless the owner vetoes", at));
            // A deadline that passed while the device was off completes now (the link gets a moment to
            // deliver RESET_COMPLETED first).
            resets.checkDeadline();
        } else {
            pairing.powerUp();
            codes.start();
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
        link.tick();
    }

    /** Stores the new ownership record durably, then makes it the device's. */
    private void change(Ownership next) {
        ownershipStore.save(next);
        ownership = next;
        ownershipWatch.set(next.state());
    }

    // ---- claim (factory-new only; ClaimFlow runs it)

    private void claimed(Ownership owned) {
        // Durable first: if the power fails now, the device wakes up owned, never half-claimed.
        change(owned);
        pairing.close();
        codes.stop();
        log.info("Claimed: device {} now belongs to its hub", owned.deviceId());
        link.start();
    }

    /** What the link needs of the agent: the ownership record and where its state is published. */
    private final class LinkSteps implements OwnedLink.Doorbell {
        @Override
        public Ownership ownership() {
            return ownership;
        }

        @Override
        public void change(Ownership next) {
            DeviceAgent.this.change(next);
        }

        @Override
        public void linkState(LinkState state) {
            linkWatch.set(state);
        }
    }

    /** A verified move code: the new hub address is stored first, then the link starts over there. */
    private final class ScannerSteps implements CodeScanner.Doorbell {
        @Override
        public Ownership ownership() {
            return ownership;
        }

        @Override
        public String report(EventKind kind, String detail) {
            return DeviceAgent.this.report(kind, detail);
        }

        @Override
        public void moveTo(URI hubUrl) {
            change(ownership.withHubUrl(hubUrl));
            link.stop();
            link.start();
        }
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
            link.sendIfLinked(error);
        }

        @Override
        public boolean linked() {
            return link.linked();
        }

        @Override
        public void forgetOwner() {
            link.stop();
            wipeData();
            signedMotion.forget(); // the owner's zones go with the owner
        }

        @Override
        public void openPairingByReset() {
            pairing.physicalReset();
            sightings.reset();
            codes.start();
        }

        @Override
        public void openPairingAsNew() {
            pairing.powerUp();
            sightings.reset();
            codes.start();
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
        link.dataWiped(new Outbox(layout.outboxDir()));
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
