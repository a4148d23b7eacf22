package dev.doorward.hub.push;

import dev.doorward.crypto.webpush.PushEncryption;
import dev.doorward.hub.config.HubProperties;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Sends pushes off the ring path: a bounded queue in front of a few worker threads. Handing work over never
 * blocks; when the queue is full the work is dropped, counted, and the count logged at most once a minute.
 * Workers encrypt (RFC 8291), sign (RFC 8292) and send; a 404/410 answer deletes the subscription, 429 and 5xx
 * answers and network errors are tried again after a backoff that honours {@code Retry-After}, a bounded number
 * of times. Logs name the push service's host, never the endpoint's path (it is the subscription's secret).
 */
@Component
class PushSender {
    private static final Logger log = LoggerFactory.getLogger(PushSender.class);
    private static final Duration DROP_LOG_INTERVAL = Duration.ofMinutes(1);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    /** VAPID tokens are made for 12 h and renewed an hour before they end (RFC 8292 allows up to 24 h). */
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(12);

    /** One message to one subscription. */
    record Delivery(String clientId, String endpoint, String p256dh, String auth, PushMessage message, int attempt) {
        Delivery next() {
            return new Delivery(clientId, endpoint, p256dh, auth, message, attempt + 1);
        }
    }

    /** Counts since start, for tests and the bench. */
    record Counts(long delivered, long dropped, long expired, long failed, long retried) {}

    private final PushEndpoints endpoints;
    private final PushClient client;
    private final PushSubscriptions subscriptions;
    private final VapidKey vapid;
    private final Clock clock;
    private final HubProperties.Push settings;
    private final SecureRandom random = new SecureRandom();
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService retries;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedSinceLog = new AtomicLong();
    private final AtomicLong lastDropLog = new AtomicLong(0);
    private final AtomicLong expired = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();

    private record Token(String header, Instant expiresAt) {}

    PushSender(
            PushEndpoints endpoints,
            PushClient client,
            PushSubscriptions subscriptions,
            VapidKey vapid,
            Clock clock,
            HubProperties properties) {
        this.endpoints = endpoints;
        this.client = client;
        this.subscriptions = subscriptions;
        this.vapid = vapid;
        this.clock = clock;
        this.settings = properties.push();
        // Workers run below the ring's priority: their encryption and TLS never delay a ring (YieldingThreads).
        this.workers = new ThreadPoolExecutor(
                settings.workers(),
                settings.workers(),
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(settings.queueCapacity()),
                new YieldingThreads("web-push-"),
                new ThreadPoolExecutor.AbortPolicy());
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "web-push-retries");
            t.setDaemon(true);
            return t;
        });
    }

    /** Hands work to the workers without waiting; false (and counted) when the queue is full. */
    boolean submit(Runnable work) {
        try {
            workers.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            drop();
            return false;
        }
    }

    void deliver(Delivery delivery) {
        submit(() -> send(delivery));
    }

    Counts counts() {
        return new Counts(delivered.get(), dropped.get(), expired.get(), failed.get(), retried.get());
    }

    private void drop() {
        dropped.incrementAndGet();
        droppedSinceLog.incrementAndGet();
        long now = clock.millis();
        long last = lastDropLog.get();
        if (now - last >= DROP_LOG_INTERVAL.toMillis() && lastDropLog.compareAndSet(last, now)) {
            log.warn(
                    "Web Push queue full: {} push(es) dropped since the last report (queue capacity {})",
                    droppedSinceLog.getAndSet(0),
                    settings.queueCapacity());
        }
    }

    private void send(Delivery d) {
        PushEndpoints.Checked endpoint;
        try {
            // Checked again at every send: the name may resolve elsewhere now than when the browser subscribed.
            endpoint = endpoints.check(d.endpoint());
        } catch (PushEndpoints.Refused e) {
            failed.incrementAndGet();
            log.warn("Web Push to {} not sent: {}", hostOf(d.endpoint()), e.getMessage());
            return;
        }
        byte[] body = PushEncryption.encrypt(d.message().json(), b64(d.p256dh()), b64(d.auth()), random);
        PushMessage.Kind kind = d.message().kind();
        PushClient.Request request = new PushClient.Request(
                endpoint,
                token(endpoint.uri()),
                kind.ttl.toSeconds(),
                kind.urgency.wire,
                d.message().topic(),
                body);
        PushClient.Answer answer;
        try {
            answer = client.send(request);
        } catch (IOException e) {
            retryOrGiveUp(d, Optional.empty(), e.getClass().getSimpleName());
            return;
        }
        int status = answer.status();
        if (status >= 200 && status < 300) {
            delivered.incrementAndGet();
        } else if (status == 404 || status == 410) {
            expired.incrementAndGet();
            if (subscriptions.deleteExpired(d.clientId(), d.endpoint())) {
                log.info("A push subscription at {} has expired (HTTP {}); removed", endpoint.host(), status);
            }
        } else if (status == 429 || status >= 500) {
            retryOrGiveUp(d, answer.retryAfter(), "HTTP " + status);
        } else {
            // 3xx (never followed), 400, 401, 403, 413 …: trying again would get the same answer.
            failed.incrementAndGet();
            log.warn("Web Push to {} refused with HTTP {}", endpoint.host(), status);
        }
    }

    private void retryOrGiveUp(Delivery d, Optional<Duration> retryAfter, String why) {
        if (d.attempt() >= settings.maxAttempts()) {
            failed.incrementAndGet();
            log.warn("Web Push to {} given up after {} attempts ({})", hostOf(d.endpoint()), d.attempt(), why);
            return;
        }
        Duration backoff = FIRST_BACKOFF.multipliedBy(1L << Math.min(d.attempt() - 1, 10));
        Duration delay =
                retryAfter.orElse(backoff.plusMillis(ThreadLocalRandom.current().nextLong(250)));
        if (delay.compareTo(settings.maxRetryAfter()) > 0) {
            failed.incrementAndGet();
            log.warn("Web Push to {} dropped: asked to wait {} s ({})", hostOf(d.endpoint()), delay.toSeconds(), why);
            return;
        }
        retried.incrementAndGet();
        try {
            retries.schedule(() -> deliver(d.next()), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            drop(); // shutting down
        }
    }

    private String token(URI endpoint) {
        String audience = dev.doorward.crypto.webpush.Vapid.origin(endpoint);
        Instant now = clock.instant();
        Token token = tokens.get(audience);
        if (token == null || token.expiresAt().minus(Duration.ofHours(1)).isBefore(now)) {
            Instant expiresAt = now.plus(TOKEN_LIFETIME);
            token = new Token(vapid.authorization(endpoint, expiresAt), expiresAt);
            tokens.put(audience, token);
        }
        return token.header();
    }

    private static byte[] b64(String value) {
        return Base64.getUrlDecoder().decode(value);
    }

    private static String hostOf(String endpoint) {
        try {
            String host = URI.create(endpoint).getHost();
            return host == null ? "?" : host;
        } catch (IllegalArgumentException e) {
            return "?";
        }
    }

    @PreDestroy
    void stop() {
        retries.shutdownNow();
        workers.shutdownNow();
    }
}
