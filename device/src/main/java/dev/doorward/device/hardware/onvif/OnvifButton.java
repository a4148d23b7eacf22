package dev.doorward.device.hardware.onvif;

import dev.doorward.device.hardware.camera.RtspCredentials;
import dev.doorward.device.link.Backoff;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A bridge's button from the doorbell's own ONVIF events: finds the events service (GetCapabilities, else
 * GetServices, else the configured URL is it), creates a PullPoint subscription, and pulls messages in a loop,
 * renewing the subscription before it ends. Any failure (unreachable, refused credentials, a fault, malformed or
 * oversized XML, a DTD) is logged with a clear reason and the whole thing starts again after a back-off; nothing
 * the doorbell sends can stop the loop. {@link #close()} unsubscribes.
 *
 * <p>The button rings like the GPIO button: one ring when its state becomes "pressed"; a state that stays
 * pressed (repeated, or reported again after a re-subscription) rings once; the next ring needs a release first.
 *
 * <p>One class: discovery, subscription, renewal and the pull loop are one retrying state machine; SOAP, digest and
 * the topic are already {@link Soap}, {@link HttpDigest} and {@link ButtonTopic}.
 */
public final class OnvifButton implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OnvifButton.class);

    public static final Duration RETRY_BASE = Duration.ofSeconds(1);
    public static final Duration RETRY_CAP = Duration.ofSeconds(60);
    /** A short request (not PullMessages) gets this long to answer. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Unsubscribe on the way out must not hold the shutdown up. */
    private static final Duration UNSUBSCRIBE_TIMEOUT = Duration.ofSeconds(2);

    private static final String ACTION_CAPABILITIES = Soap.TDS + "/GetCapabilities";
    private static final String ACTION_SERVICES = Soap.TDS + "/GetServices";
    private static final String ACTION_TIME = Soap.TDS + "/GetSystemDateAndTime";
    private static final String ACTION_SUBSCRIBE = Soap.TEV + "/EventPortType/CreatePullPointSubscriptionRequest";
    private static final String ACTION_PULL = Soap.TEV + "/PullPointSubscription/PullMessagesRequest";
    private static final String ACTION_RENEW = "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewRequest";
    private static final String ACTION_UNSUBSCRIBE =
            "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeRequest";

    /**
     * What the loop has done, for tests and the log.
     *
     * @param recentErrors the last few failures' reasons, oldest first
     */
    public record Status(
            boolean subscribed,
            long subscriptions,
            long renewals,
            long rings,
            long failures,
            List<String> recentErrors) {
        public Optional<String> lastError() {
            return recentErrors.isEmpty() ? Optional.empty() : Optional.of(recentErrors.getLast());
        }
    }

    private static final int RECENT_ERRORS = 20;
    /** The longest pause after an empty pull that came back at once. */
    private static final Duration MAX_PACE = Duration.ofMillis(250);

    private final OnvifSettings settings;
    private final Clock clock;
    private final Runnable pressed;
    private final OnvifClient client;
    private final Backoff backoff;
    private final Duration retryCap;

    // Guarded by this.
    private boolean closed;
    private Thread thread;
    private boolean subscribed;
    private long subscriptions;
    private long renewals;
    private long rings;
    private long failures;
    private final Deque<String> recentErrors = new ArrayDeque<>();
    private Instant lastAlive;

    /** Only the loop thread touches these. */
    private boolean down;

    private URI subscription;

    /**
     * @param pressed called on the loop's thread for each ring (the agent's own press: chime, then the event)
     * @param retryBase the first retry's longest wait, doubling up to {@code retryCap} (with full jitter)
     */
    public OnvifButton(
            OnvifSettings settings,
            Clock clock,
            SecureRandom random,
            Runnable pressed,
            Duration retryBase,
            Duration retryCap) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pressed = Objects.requireNonNull(pressed, "pressed");
        this.client = new OnvifClient(settings.url(), Optional.empty(), clock, random);
        this.backoff = new Backoff(retryBase, retryCap, random);
        this.retryCap = retryCap;
        this.lastAlive = clock.instant();
    }

    public OnvifButton(OnvifSettings settings, Clock clock, SecureRandom random, Runnable pressed) {
        this(settings, clock, random, pressed, RETRY_BASE, RETRY_CAP);
    }

    public synchronized OnvifButton start() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("onvif-events").start(this::run);
        }
        return this;
    }

    public synchronized Status status() {
        return new Status(subscribed, subscriptions, renewals, rings, failures, List.copyOf(recentErrors));
    }

    /**
     * When the loop last made progress (an answer, or a retry on schedule): a loop stuck longer than a pull plus
     * its timeouts is hung.
     */
    public synchronized Instant lastAlive() {
        return lastAlive;
    }

    /**
     * Whether the loop made progress recently enough: the longest legitimate silence is a retry's wait plus a
     * session's first requests and a pull, each bounded by its timeout.
     */
    public Optional<String> stuck(Instant now) {
        Duration longest = retryCap.plus(settings.pullTimeout()).plus(REQUEST_TIMEOUT.multipliedBy(5));
        Instant last = lastAlive();
        return Duration.between(last, now).compareTo(longest) > 0
                ? Optional.of("no progress since " + last + " ("
                        + status().lastError().orElse("no error") + ")")
                : Optional.empty();
    }

    private void run() {
        while (!isClosed()) {
            try {
                session();
            } catch (OnvifException e) {
                if (isClosed()) {
                    break;
                }
                failed(e.getMessage());
            } catch (RuntimeException e) {
                // Whatever a doorbell sends, the loop goes on.
                if (isClosed()) {
                    break;
                }
                log.error("ONVIF events: unexpected failure", e);
                failed(Soap.oneLine(e.toString()));
            }
        }
        client.close();
    }

    private void failed(String reason) {
        Duration delay = backoff.nextDelay();
        synchronized (this) {
            subscribed = false;
            failures++;
            recentErrors.addLast(reason);
            if (recentErrors.size() > RECENT_ERRORS) {
                recentErrors.removeFirst();
            }
            lastAlive = clock.instant();
        }
        log.warn(
                "ONVIF events from {}: {}; trying again in {} ms",
                settings.url().getHost(),
                reason,
                delay.toMillis());
        sleep(delay);
    }

    /** Subscribes and pulls until something fails or the button is closed. */
    private void session() {
        // Read again for each session: an owner who fixes the file's mode or password needs no restart.
        try {
            client.credentials(settings.credentials().map(f -> RtspCredentials.read(f, "ONVIF")));
        } catch (IllegalArgumentException e) {
            throw new OnvifException(e.getMessage(), OnvifException.Kind.NOT_AUTHORIZED);
        }
        URI events = eventsService();
        try {
            pullUntilClosed(subscribe(events));
        } finally {
            unsubscribe();
        }
    }

    private void pullUntilClosed(Instant subscribedUntil) {
        Instant deadline = subscribedUntil;
        Duration renewMargin = settings.pullTimeout().multipliedBy(2);
        if (renewMargin.compareTo(settings.subscription().dividedBy(2)) < 0) {
            renewMargin = settings.subscription().dividedBy(2);
        }
        synchronized (this) {
            subscribed = true;
            subscriptions++;
            lastAlive = clock.instant();
        }
        log.info("ONVIF events: subscribed at {} (button: {})", settings.url().getHost(), settings.button());
        while (!isClosed()) {
            // Renewed halfway, and never with less than two pulls to spare: a pull may take its whole timeout.
            if (Duration.between(clock.instant(), deadline).compareTo(renewMargin) < 0) {
                deadline = renew();
            }
            long started = System.nanoTime();
            Pulled pulled = pull();
            deadline = pulled.deadline().orElse(deadline);
            if (pulled.notifications() == 0) {
                pace(Duration.ofNanos(System.nanoTime() - started));
            }
            backoff.reset(); // a full round trip worked: the next failure retries quickly again
            synchronized (this) {
                lastAlive = clock.instant();
            }
        }
    }

    /** The events service's address; on the way, the doorbell's clock (for the UsernameToken's time). */
    private URI eventsService() {
        URI url = settings.url();
        try {
            Document time = client.call(
                    url,
                    ACTION_TIME,
                    "",
                    "<tds:GetSystemDateAndTime xmlns:tds=\"" + Soap.TDS + "\"/>",
                    false,
                    REQUEST_TIMEOUT);
            deviceTime(time).ifPresent(t -> client.deviceOffset(Duration.between(clock.instant(), t)));
        } catch (OnvifException e) {
            if (e.kind() == OnvifException.Kind.UNREACHABLE) {
                throw e;
            }
            // An events service address, or a doorbell that wants even this authenticated: our clock, then.
            log.debug("ONVIF GetSystemDateAndTime: {}", e.getMessage());
        }
        try {
            Document capabilities = client.call(
                    url,
                    ACTION_CAPABILITIES,
                    "",
                    "<tds:GetCapabilities xmlns:tds=\"" + Soap.TDS + "\"><tds:Category>Events</tds:Category>"
                            + "</tds:GetCapabilities>",
                    true,
                    REQUEST_TIMEOUT);
            Optional<Element> events = Soap.first(capabilities.getDocumentElement(), Soap.TT, "Events");
            if (events.isPresent()) {
                return client.pinned(Soap.first(events.get(), Soap.TT, "XAddr")
                        .map(Element::getTextContent)
                        .orElseThrow(() -> new OnvifException("GetCapabilities: the Events capability has no XAddr")));
            }
        } catch (OnvifException e) {
            if (e.kind() != OnvifException.Kind.FAULT) {
                throw e;
            }
        }
        try {
            Document services = client.call(
                    url,
                    ACTION_SERVICES,
                    "",
                    "<tds:GetServices xmlns:tds=\"" + Soap.TDS + "\"><tds:IncludeCapability>false"
                            + "</tds:IncludeCapability></tds:GetServices>",
                    true,
                    REQUEST_TIMEOUT);
            for (Element service : Soap.all(services.getDocumentElement(), Soap.TDS, "Service")) {
                Optional<Element> namespace = Soap.first(service, Soap.TDS, "Namespace");
                Optional<Element> address = Soap.first(service, Soap.TDS, "XAddr");
                if (namespace.isPresent()
                        && namespace.get().getTextContent().strip().equals(Soap.TEV)
                        && address.isPresent()) {
                    return client.pinned(address.get().getTextContent());
                }
            }
        } catch (OnvifException e) {
            if (e.kind() != OnvifException.Kind.FAULT) {
                throw e;
            }
        }
        // No device service there: the configured URL is the events service itself.
        return url;
    }

    private Instant subscribe(URI events) {
        Document answer = client.call(
                events,
                ACTION_SUBSCRIBE,
                "",
                "<tev:CreatePullPointSubscription xmlns:tev=\"" + Soap.TEV + "\"><tev:InitialTerminationTime>"
                        + settings.subscription() + "</tev:InitialTerminationTime></tev:CreatePullPointSubscription>",
                true,
                REQUEST_TIMEOUT);
        Element reference = Soap.first(answer.getDocumentElement(), Soap.TEV, "SubscriptionReference")
                .orElseThrow(() ->
                        new OnvifException("CreatePullPointSubscription: the answer has no SubscriptionReference"));
        String address = Soap.first(reference, "*", "Address")
                .map(e -> e.getTextContent().strip())
                .filter(a -> !a.isEmpty())
                .orElseThrow(() -> new OnvifException("CreatePullPointSubscription: the answer has no Address"));
        subscription = client.pinned(address);
        return deadline(answer, Soap.WSNT).orElse(clock.instant().plus(settings.subscription()));
    }

    /** What one PullMessages brought: how many notifications, and the subscription's end if the doorbell said. */
    private record Pulled(int notifications, Optional<Instant> deadline) {}

    /**
     * A doorbell that answers an empty pull at once instead of waiting for its timeout would be asked again and
     * again without pause: such answers are spaced out a little (never after a notification: a press goes
     * straight to the next pull).
     */
    private void pace(Duration took) {
        Duration quick = settings.pullTimeout().dividedBy(10);
        if (took.compareTo(quick) < 0) {
            sleep(quick.compareTo(MAX_PACE) < 0 ? quick : MAX_PACE);
        }
    }

    /** One PullMessages; rings for a press. */
    private Pulled pull() {
        Document answer = client.call(
                subscription,
                ACTION_PULL,
                Soap.addressing(ACTION_PULL, subscription.toString()),
                "<tev:PullMessages xmlns:tev=\"" + Soap.TEV + "\"><tev:Timeout>" + settings.pullTimeout()
                        + "</tev:Timeout><tev:MessageLimit>" + settings.messageLimit()
                        + "</tev:MessageLimit></tev:PullMessages>",
                true,
                settings.pullTimeout().plus(REQUEST_TIMEOUT));
        if (Soap.first(answer.getDocumentElement(), Soap.TEV, "PullMessagesResponse")
                .isEmpty()) {
            throw new OnvifException("PullMessages: the answer has no PullMessagesResponse");
        }
        List<Element> notifications = Soap.all(answer.getDocumentElement(), Soap.WSNT, "NotificationMessage");
        for (Element notification : notifications) {
            notification(notification);
        }
        return new Pulled(notifications.size(), deadline(answer, Soap.TEV));
    }

    private void notification(Element notification) {
        String topic = Soap.first(notification, Soap.WSNT, "Topic")
                .map(Element::getTextContent)
                .orElse("");
        Optional<Element> message = Soap.first(notification, Soap.TT, "Message");
        if (message.isEmpty()) {
            return;
        }
        Map<String, String> data = new LinkedHashMap<>();
        Soap.first(message.get(), Soap.TT, "Data").ifPresent(d -> {
            for (Element item : Soap.all(d, Soap.TT, "SimpleItem")) {
                data.putIfAbsent(item.getAttribute("Name"), item.getAttribute("Value"));
            }
        });
        // What an owner looks for when the button's topic is unknown (docs/hardware.md): topic and data only.
        log.debug("ONVIF notification: {} {}", Soap.oneLine(topic), data);
        Optional<Boolean> state = settings.button().pressed(topic, data);
        if (state.isEmpty()) {
            return;
        }
        boolean now = state.get() && !"Deleted".equals(message.get().getAttribute("PropertyOperation"));
        if (now && !down) {
            down = true;
            ring();
        } else if (!now) {
            down = false;
        }
    }

    private void ring() {
        synchronized (this) {
            rings++;
        }
        log.info("ONVIF: the doorbell's button was pressed");
        try {
            pressed.run();
        } catch (RuntimeException e) {
            log.warn("Ring failed", e);
        }
    }

    private Instant renew() {
        Document answer = client.call(
                subscription,
                ACTION_RENEW,
                Soap.addressing(ACTION_RENEW, subscription.toString()),
                "<wsnt:Renew xmlns:wsnt=\"" + Soap.WSNT + "\"><wsnt:TerminationTime>" + settings.subscription()
                        + "</wsnt:TerminationTime></wsnt:Renew>",
                true,
                REQUEST_TIMEOUT);
        if (Soap.first(answer.getDocumentElement(), Soap.WSNT, "RenewResponse").isEmpty()) {
            throw new OnvifException("Renew: the answer has no RenewResponse");
        }
        synchronized (this) {
            renewals++;
        }
        return deadline(answer, Soap.WSNT).orElse(clock.instant().plus(settings.subscription()));
    }

    /** Best effort, on the way out of a session: a doorbell has few subscriptions to give. */
    private void unsubscribe() {
        URI current = subscription;
        subscription = null;
        if (current == null) {
            return;
        }
        boolean wasInterrupted = Thread.interrupted(); // close() interrupts a pull; this request must still go
        try {
            client.call(
                    current,
                    ACTION_UNSUBSCRIBE,
                    Soap.addressing(ACTION_UNSUBSCRIBE, current.toString()),
                    "<wsnt:Unsubscribe xmlns:wsnt=\"" + Soap.WSNT + "\"/>",
                    true,
                    UNSUBSCRIBE_TIMEOUT);
        } catch (OnvifException e) {
            log.debug("ONVIF Unsubscribe: {}", e.getMessage());
        } finally {
            if (wasInterrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Our clock's time for the end the doorbell gave (its CurrentTime and TerminationTime: clocks differ). */
    private Optional<Instant> deadline(Document answer, String namespace) {
        Optional<Instant> current = Soap.first(answer.getDocumentElement(), namespace, "CurrentTime")
                .flatMap(e -> dateTime(e.getTextContent()));
        Optional<Instant> termination = Soap.first(answer.getDocumentElement(), namespace, "TerminationTime")
                .flatMap(e -> dateTime(e.getTextContent()));
        if (current.isEmpty() || termination.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(clock.instant().plus(Duration.between(current.get(), termination.get())));
    }

    static Optional<Instant> dateTime(String text) {
        String t = text.strip();
        try {
            return Optional.of(OffsetDateTime.parse(t).toInstant());
        } catch (DateTimeException e) {
            try {
                return Optional.of(LocalDateTime.parse(t).toInstant(ZoneOffset.UTC)); // no zone: ONVIF means UTC
            } catch (DateTimeException e2) {
                return Optional.empty();
            }
        }
    }

    /** The doorbell's UTC time from GetSystemDateAndTime. */
    private static Optional<Instant> deviceTime(Document answer) {
        Optional<Element> utc = Soap.first(answer.getDocumentElement(), Soap.TT, "UTCDateTime");
        if (utc.isEmpty()) {
            return Optional.empty();
        }
        try {
            Element date = Soap.first(utc.get(), Soap.TT, "Date").orElseThrow();
            Element time = Soap.first(utc.get(), Soap.TT, "Time").orElseThrow();
            return Optional.of(LocalDateTime.of(
                            number(date, "Year"),
                            number(date, "Month"),
                            number(date, "Day"),
                            number(time, "Hour"),
                            number(time, "Minute"),
                            number(time, "Second"))
                    .toInstant(ZoneOffset.UTC));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int number(Element in, String name) {
        return Integer.parseInt(
                Soap.first(in, Soap.TT, name).orElseThrow().getTextContent().strip());
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private void sleep(Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the loop and unsubscribes (waits at most a few seconds). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(UNSUBSCRIBE_TIMEOUT.plusSeconds(3).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
