package dev.doorward.hub.push;

import dev.doorward.crypto.pki.P256Points;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.webpush.PushEncryption;
import dev.doorward.crypto.webpush.Vapid;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Web Push process: the hub's child that does the expensive part of every push — the SSRF check of the
 * endpoint (DNS and address rules, {@link PushEndpoints}), RFC 8291 encryption, the RFC 8292 VAPID token, the
 * HTTP/TLS exchange ({@link PushClient}) and the retries — in a JVM of its own, so its garbage and CPU never
 * pause or slow the hub's ring. It holds only what sending needs: the VAPID key and the subscription of each
 * delivery; no database, no hub keys, no sessions. It gets everything over stdin ({@link PushFrames}) and
 * answers over stdout; it ends when its stdin closes (the hub stopped or died). Nothing else may write to its
 * stdout: {@code System.out} is pointed at stderr, which the hub logs.
 *
 * <p>Retries: 429, 5xx and network errors are tried again after a backoff that honours {@code Retry-After} (up
 * to the hub's cap), a bounded number of times; 404/410 end as {@link PushFrames.Outcome#EXPIRED} for the hub to
 * delete the subscription. Logs name the push service's host, never the endpoint's path (the subscription's
 * secret).
 */
public final class PushProcess {
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    /** VAPID tokens are made for 12 h and renewed an hour before they end (RFC 8292 allows up to 24 h). */
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(12);

    private final OutputStream out;
    private final PushEndpoints endpoints;
    private final PushClient client;
    private final KeyPair vapid;
    private final String contact;
    private final int maxAttempts;
    private final Duration maxRetryAfter;
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService workers;
    private final ScheduledExecutorService retries;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    private record Token(String header, Instant expiresAt) {}

    private record Job(PushFrames.Deliver delivery, int attempt) {}

    private PushProcess(OutputStream out, PushFrames.Settings settings) {
        this.out = out;
        this.endpoints = new PushEndpoints(settings.allowedHosts(), InetAddress::getAllByName);
        this.client = new PushClient(
                settings.extraAnchorsPem().isEmpty() ? List.of() : Pem.parseCertificates(settings.extraAnchorsPem()),
                Duration.ofMillis(settings.connectTimeoutMillis()),
                Duration.ofMillis(settings.readTimeoutMillis()));
        this.vapid = P256Points.keyPair(settings.vapidPrivate(), settings.vapidPublic());
        this.contact = settings.contact();
        this.maxAttempts = settings.maxAttempts();
        this.maxRetryAfter = Duration.ofMillis(settings.maxRetryAfterMillis());
        AtomicInteger count = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(1, settings.workers()), r -> {
            Thread t = new Thread(r, "web-push-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "web-push-retries");
            t.setDaemon(true);
            return t;
        });
    }

    public static void main(String[] args) {
        OutputStream frames = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 4096);
        // Whatever else prints (a library, the JVM) goes to stderr, never between the frames.
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        InputStream in = new BufferedInputStream(new FileInputStream(FileDescriptor.in), 8192);
        int status = 0;
        try {
            synchronized (frames) {
                PushFrames.write(frames, PushFrames.HELLO, o -> o.writeUTF(PushFrames.PROTOCOL));
            }
            PushFrames.Frame first = PushFrames.read(in, PushFrames.SETTINGS);
            if (first == null) {
                System.exit(0); // the hub went away before it said anything
            }
            PushProcess process = new PushProcess(frames, PushFrames.Settings.read(first.fields()));
            PushFrames.Frame frame;
            while ((frame = PushFrames.read(in, PushFrames.DELIVER)) != null) {
                process.submit(new Job(PushFrames.Deliver.read(frame.fields()), 1));
            }
            // stdin closed: the hub stopped or died. What is in flight ends with us (the hub counts it as failed).
        } catch (IOException | RuntimeException e) {
            System.err.println("Web Push process: stops on " + e);
            status = 2;
        }
        Runtime.getRuntime().halt(status);
    }

    private void submit(Job job) {
        try {
            workers.execute(() -> send(job));
        } catch (RejectedExecutionException e) {
            result(job, PushFrames.Outcome.FAILED, 0);
        }
    }

    private void send(Job job) {
        PushFrames.Deliver d = job.delivery();
        try {
            PushEndpoints.Checked endpoint;
            try {
                // Checked at every send: the name may resolve elsewhere now than when the browser subscribed.
                endpoint = endpoints.check(d.endpoint());
            } catch (PushEndpoints.Refused e) {
                log("Web Push to " + hostOf(d.endpoint()) + " not sent: " + e.getMessage());
                result(job, PushFrames.Outcome.FAILED, 0);
                return;
            }
            byte[] body = PushEncryption.encrypt(d.json(), b64(d.p256dh()), b64(d.auth()), random);
            PushClient.Request request = new PushClient.Request(
                    endpoint,
                    token(endpoint.uri()),
                    d.ttlSeconds(),
                    d.urgency(),
                    d.topic().isEmpty() ? null : d.topic(),
                    body);
            PushClient.Answer answer;
            try {
                answer = client.send(request);
            } catch (IOException e) {
                retryOrGiveUp(job, Optional.empty(), e.getClass().getSimpleName(), 0);
                return;
            }
            int status = answer.status();
            if (status >= 200 && status < 300) {
                result(job, PushFrames.Outcome.DELIVERED, status);
            } else if (status == 404 || status == 410) {
                result(job, PushFrames.Outcome.EXPIRED, status);
            } else if (status == 429 || status >= 500) {
                retryOrGiveUp(job, answer.retryAfter(), "HTTP " + status, status);
            } else {
                // 3xx (never followed), 400, 401, 403, 413 …: trying again would get the same answer.
                log("Web Push to " + endpoint.host() + " refused with HTTP " + status);
                result(job, PushFrames.Outcome.FAILED, status);
            }
        } catch (RuntimeException e) {
            // A subscription whose keys do not decode, say: this one fails, the process goes on.
            log("Web Push to " + hostOf(d.endpoint()) + " failed: "
                    + e.getClass().getSimpleName());
            result(job, PushFrames.Outcome.FAILED, 0);
        }
    }

    private void retryOrGiveUp(Job job, Optional<Duration> retryAfter, String why, int status) {
        String host = hostOf(job.delivery().endpoint());
        if (job.attempt() >= maxAttempts) {
            log("Web Push to " + host + " given up after " + job.attempt() + " attempts (" + why + ")");
            result(job, PushFrames.Outcome.FAILED, status);
            return;
        }
        Duration backoff = FIRST_BACKOFF.multipliedBy(1L << Math.min(job.attempt() - 1, 10));
        Duration delay =
                retryAfter.orElse(backoff.plusMillis(ThreadLocalRandom.current().nextLong(250)));
        if (delay.compareTo(maxRetryAfter) > 0) {
            log("Web Push to " + host + " dropped: asked to wait " + delay.toSeconds() + " s (" + why + ")");
            result(job, PushFrames.Outcome.FAILED, status);
            return;
        }
        try {
            retries.schedule(
                    () -> submit(new Job(job.delivery(), job.attempt() + 1)), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            result(job, PushFrames.Outcome.FAILED, status);
        }
    }

    private String token(URI endpoint) {
        String audience = Vapid.origin(endpoint);
        Instant now = Instant.now();
        Token token = tokens.get(audience);
        if (token == null || token.expiresAt().minus(Duration.ofHours(1)).isBefore(now)) {
            Instant expiresAt = now.plus(TOKEN_LIFETIME);
            token = new Token(Vapid.authorization(vapid, endpoint, contact, expiresAt), expiresAt);
            tokens.put(audience, token);
        }
        return token.header();
    }

    private void result(Job job, PushFrames.Outcome outcome, int status) {
        PushFrames.Result result = new PushFrames.Result(job.delivery().id(), outcome, status, job.attempt() - 1);
        writeOrEnd(PushFrames.RESULT, result::write);
    }

    private void log(String line) {
        writeOrEnd(PushFrames.LOG, o -> o.writeUTF(line));
    }

    /** The hub no longer reads: nothing this process does matters any more. */
    private void writeOrEnd(byte type, PushFrames.Fields fields) {
        try {
            synchronized (out) {
                PushFrames.write(out, type, fields);
            }
        } catch (IOException e) {
            Runtime.getRuntime().halt(0);
        }
    }

    private static byte[] b64(String value) {
        return Base64.getUrlDecoder().decode(value);
    }

    static String hostOf(String endpoint) {
        try {
            String host = URI.create(endpoint).getHost();
            return host == null ? "?" : host;
        } catch (IllegalArgumentException e) {
            return "?";
        }
    }
}
