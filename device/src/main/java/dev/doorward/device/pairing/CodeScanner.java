package dev.doorward.device.pairing;

import dev.doorward.device.camera.Camera;
import dev.doorward.device.ownership.MoveStatement;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.pairing.ClaimCodeSightings.Decision;
import dev.doorward.device.thread.AgentThread;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.MoveCode;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * While the pairing window is open the camera looks for a code held up to it: a claim code (a factory-new device
 * starts its claim; an owned one reports the attempt) or the owner's move code (the hub's new address). Scans run
 * on the agent thread and stop when the window closes.
 */
public final class CodeScanner {
    private static final Logger log = LoggerFactory.getLogger(CodeScanner.class);

    /** What the scanner needs of its doorbell. */
    public interface Doorbell {
        Ownership ownership();

        /** Adds an event to the outbox (durably) and sends it if the link is up; returns its id. */
        String report(EventKind kind, String detail);

        /** The owner moved the hub (the move is verified): store the new address and reconnect there. */
        void moveTo(URI hubUrl);
    }

    private final Doorbell doorbell;
    private final Camera camera;
    private final QrScanner scanner = new QrScanner();
    private final PairingWindow pairing;
    private final ClaimCodeSightings sightings;
    private final ClaimFlow claims;
    private final Clock clock;
    private final AgentThread thread;
    private final Duration every;
    private ScheduledFuture<?> scanning;

    public CodeScanner(
            Doorbell doorbell,
            Camera camera,
            PairingWindow pairing,
            ClaimCodeSightings sightings,
            ClaimFlow claims,
            Clock clock,
            AgentThread thread,
            Duration every) {
        this.doorbell = doorbell;
        this.camera = camera;
        this.pairing = pairing;
        this.sightings = sightings;
        this.claims = claims;
        this.clock = clock;
        this.thread = thread;
        this.every = every;
    }

    /** Starts scanning if it is not already running. */
    public void start() {
        if (scanning == null) {
            scanning = thread.repeat(this::scan, Duration.ZERO, every);
        }
    }

    public void stop() {
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
                stop();
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
            Ownership ownership = doorbell.ownership();
            switch (sightings.sighted(text.get(), ownership)) {
                case Decision.Claim c -> claims.start(c.code(), ownership);
                case Decision.Report r -> {
                    log.warn("Refused a claim code: this device already has an owner");
                    doorbell.report(r.kind(), r.detail());
                }
                case Decision.Ignore i -> {}
            }
        } catch (RuntimeException e) {
            log.error("Camera scan failed", e);
        }
    }

    /**
     * The owner shows the doorbell its hub's new address. It follows only a move signed by the pinned owner key
     * for the same hub CA and this device; anything else is ignored (and never a new owner).
     */
    private void moveSeen(String text) {
        MoveCode code;
        try {
            code = MoveCode.parse(text);
        } catch (IllegalArgumentException e) {
            return;
        }
        Ownership ownership = doorbell.ownership();
        if (ownership.hubUrl() != null && ownership.hubUrl().equals(code.hubUrl())) {
            return; // already there
        }
        Optional<String> problem = MoveStatement.problem(code, ownership, clock.instant());
        if (problem.isPresent()) {
            log.warn("Ignored a move code: {}", problem.get());
            return;
        }
        log.warn("The owner moved the hub to {}; reconnecting there", code.hubUrl());
        doorbell.moveTo(code.hubUrl());
    }
}
