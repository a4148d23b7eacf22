package dev.doorward.device.pairing;

import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.link.Transport;
import dev.doorward.device.link.TransportReleases;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.ownership.OwnershipLifecycle;
import dev.doorward.device.thread.AgentThread;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage.FromDevice;
import dev.doorward.protocol.LinkMessage.FromHub;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.ProtocolException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A factory-new doorbell claimed by the code it was shown: one attempt at a time, over a connection pinned to the
 * hub CA the code names, through the {@link ClaimConversation}. A wrong setup code counts against the pairing
 * window; a hub that could not be reached may be tried again with the same code after {@link #RETRY}. Runs on the
 * agent thread.
 */
public final class ClaimFlow {
    private static final Logger log = LoggerFactory.getLogger(ClaimFlow.class);
    /** How long a claim that could not reach its hub waits before the same code may be tried again. */
    public static final Duration RETRY = Duration.ofSeconds(5);

    private final DeviceIdentity identity;
    private final Clock clock;
    private final SecureRandom random;
    private final Function<SSLContext, Transport> transports;
    private final AgentThread thread;
    private final TransportReleases releases;
    private final PairingWindow pairing;
    private final ClaimCodeSightings sightings;
    /** Told on the agent thread when a claim succeeded: store the record durably, then link up. */
    private final Consumer<Ownership> claimed;

    private Run current;

    public ClaimFlow(
            DeviceIdentity identity,
            Clock clock,
            SecureRandom random,
            Function<SSLContext, Transport> transports,
            AgentThread thread,
            TransportReleases releases,
            PairingWindow pairing,
            ClaimCodeSightings sightings,
            Consumer<Ownership> claimed) {
        this.identity = identity;
        this.clock = clock;
        this.random = random;
        this.transports = transports;
        this.thread = thread;
        this.releases = releases;
        this.pairing = pairing;
        this.sightings = sightings;
        this.claimed = claimed;
    }

    /** A claim code was seen: try it (unless the device may not be claimed, or an attempt is under way). */
    public void start(ClaimCode code, Ownership ownership) {
        if (!OwnershipLifecycle.mayClaim(ownership)) {
            return; // never: an owned device does not claim, whatever the sightings say
        }
        if (current != null) {
            sightings.retryFrom(code.ticket(), clock.instant());
            return;
        }
        log.info("Claim code seen; connecting to {}", code.hubUrl());
        ClaimConversation conversation = new ClaimConversation(code, identity, clock, random);
        Transport transport;
        try {
            transport = transports.apply(TlsContexts.clientPinned(identity.credential(), code.caFingerprint()));
        } catch (RuntimeException e) {
            log.warn("Cannot prepare the claim connection: {}", e.getClass().getSimpleName());
            return;
        }
        releases.track(transport);
        Run run = new Run(conversation, transport);
        current = run;
        run.timeout = thread.schedule(() -> step(run, conversation.abort("timed out")), ClaimConversation.TIMEOUT)
                .orElse(null);
        transport
                .connect(code.hubUrl(), new Transport.Listener() {
                    @Override
                    public void onText(String text) {
                        thread.execute(() -> received(run, text));
                    }

                    @Override
                    public void onClosed(String reason) {
                        thread.execute(() -> step(run, conversation.abort("connection closed")));
                    }
                })
                .whenComplete((connection, error) -> thread.execute(() -> {
                    if (error != null) {
                        step(run, conversation.abort("cannot reach the hub"));
                    } else if (current != run) {
                        connection.abort();
                    } else {
                        run.connection = connection;
                        run.reachedHub = true;
                        send(run, conversation.start());
                    }
                }));
    }

    /** Ends an attempt whose conversation ran out of time (checked with each camera scan). */
    public void checkExpired() {
        if (current != null && current.conversation.expired()) {
            step(current, current.conversation.abort("timed out"));
        }
    }

    /** The agent is closing: the attempt in flight ends. */
    public void close() {
        if (current != null) {
            current.end();
            current = null;
        }
    }

    private void received(Run run, String text) {
        if (current != run) {
            return;
        }
        FromHub message;
        try {
            message = LinkCodec.decodeFromHub(text);
        } catch (ProtocolException e) {
            log.warn("Claim: refused a message from the hub: {}", e.code().wireName());
            send(run, new LinkError(e.code(), e.getMessage()));
            step(run, run.conversation.abort("bad message from the hub"));
            return;
        }
        step(run, run.conversation.receive(message));
    }

    private void step(Run run, ClaimConversation.Step step) {
        if (current != run) {
            return;
        }
        step.send().forEach(m -> send(run, m));
        if (!step.finished()) {
            return;
        }
        current = null;
        run.end();
        String ticket = run.conversation.code().ticket();
        switch (step.status()) {
            case CLAIMED -> claimed.accept(step.ownership().orElseThrow());
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
                    sightings.retryFrom(ticket, clock.instant().plus(RETRY));
                }
            }
            case IN_PROGRESS -> throw new IllegalStateException("unreachable");
        }
    }

    private static void send(Run run, FromDevice message) {
        if (run.connection != null) {
            run.connection.send(LinkCodec.encode(message));
        }
    }

    /** One claim attempt in flight. */
    private final class Run {
        final ClaimConversation conversation;
        final Transport transport;
        Transport.Connection connection;
        ScheduledFuture<?> timeout;
        boolean reachedHub;

        Run(ClaimConversation conversation, Transport transport) {
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
            releases.retire(transport);
        }
    }
}
