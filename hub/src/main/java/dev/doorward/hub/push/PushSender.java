package dev.doorward.hub.push;

import dev.doorward.crypto.pki.Pem;
import dev.doorward.hub.config.HubProperties;
import jakarta.annotation.PreDestroy;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Sends pushes off the ring path. In the hub: a bounded queue in front of a few worker threads that run the
 * fan-out ({@link WebPush}), and a bounded hand-over of deliveries to the Web Push process ({@link PushProcess},
 * a child JVM this class starts on the first delivery and supervises), which encrypts, signs, checks the endpoint,
 * sends and retries. Handing work over never blocks; when a queue is full the work is dropped, counted, and the
 * count logged at most once a minute. The child answers each delivery: delivered, failed, or expired (404/410),
 * which deletes the subscription here.
 *
 * <p>Why a process: at a building's pace the encryption's garbage (a key pair and an ECDH per push) made the hub's
 * collector pause the ring too (docs/notifications.md). The child has its own heap and collector, runs at a lower
 * CPU priority ({@code nice}), and holds only the VAPID key and the subscriptions it is sending to.
 *
 * <p>Supervision: when the child exits, its pipe breaks or it writes something that is not a frame, that is logged
 * once, what it had in flight is counted as failed, and it is started again after a backoff; deliveries waiting
 * meanwhile go to the new one. The hub's shutdown closes the child's stdin (it exits) and kills it if it lingers;
 * a hub killed outright closes the pipe too, so the child never outlives it.
 */
@Component
class PushSender {
    private static final Logger log = LoggerFactory.getLogger(PushSender.class);
    private static final Duration DROP_LOG_INTERVAL = Duration.ofMinutes(1);
    private static final Duration FIRST_RESTART = Duration.ofMillis(250);
    private static final Duration MAX_RESTART = Duration.ofSeconds(30);
    /** A child that ran this long before it ended is restarted after the first backoff again. */
    private static final Duration STABLE = Duration.ofSeconds(30);

    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    private static final Duration HUNG_SLACK = Duration.ofSeconds(10);
    /** The child's CPU priority: CFS gives a nice-10 process about a tenth of a nice-0 one's share. */
    static final int NICE = 10;

    /** One message to one subscription. */
    record Delivery(String clientId, String endpoint, String p256dh, String auth, PushMessage message) {}

    /** Counts since start, for tests and the bench. */
    record Counts(long delivered, long dropped, long expired, long failed, long retried) {}

    private final PushSubscriptions subscriptions;
    private final VapidKey vapid;
    private final Clock clock;
    private final HubProperties.Push settings;
    private final String extraAnchorsPem;
    private final ThreadPoolExecutor workers;
    private final Supplier<List<String>> command;
    /** How long a child with work may say nothing before it counts as hung. */
    private final Duration hungAfter;

    /** Deliveries handed over and not yet answered, by id: waiting for the child or in it. */
    private final Map<Long, Delivery> pending = new ConcurrentHashMap<>();
    /**
     * Pending deliveries a child had in flight when it died, handed to the next one: once only, since a delivery may
     * be what killed it. Sent twice at worst: the second replaces the first notification (same tag, same topic).
     */
    private final Set<Long> resentAfterADeath = ConcurrentHashMap.newKeySet();

    private final BlockingQueue<Long> outbox;
    private final AtomicLong ids = new AtomicLong();
    private final Thread writer;
    private volatile boolean stopping;
    private volatile Child child;
    /** Guarded by {@code this}: when the next child may start, and the backoff after the next end. */
    private long nextStartNanos = System.nanoTime();

    private Duration restartBackoff = FIRST_RESTART;

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedSinceLog = new AtomicLong();
    private final AtomicLong lastDropLog = new AtomicLong(0);
    private final AtomicLong expired = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong starts = new AtomicLong();

    @Autowired
    PushSender(PushSubscriptions subscriptions, VapidKey vapid, Clock clock, HubProperties properties) {
        this(subscriptions, vapid, clock, properties, PushSender::command);
    }

    /** With another command for the child (tests: one that fails). */
    PushSender(
            PushSubscriptions subscriptions,
            VapidKey vapid,
            Clock clock,
            HubProperties properties,
            Supplier<List<String>> command) {
        this.command = command;
        HubProperties.Push push = properties.push();
        this.hungAfter = push.connectTimeout()
                .plus(push.readTimeout())
                .multipliedBy(push.maxAttempts())
                .plus(push.maxRetryAfter().multipliedBy(push.maxAttempts() - 1))
                .plus(HUNG_SLACK);
        this.subscriptions = subscriptions;
        this.vapid = vapid;
        this.clock = clock;
        this.settings = properties.push();
        this.extraAnchorsPem = extraAnchors(settings.extraTrustAnchor());
        // The fan-out (database reads) runs below the ring's priority too (YieldingThreads).
        this.workers = new ThreadPoolExecutor(
                settings.workers(),
                settings.workers(),
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(settings.queueCapacity()),
                new YieldingThreads("web-push-"),
                new ThreadPoolExecutor.AbortPolicy());
        this.outbox = new ArrayBlockingQueue<>(settings.queueCapacity());
        // Started here, not on the first delivery: a Linux thread inherits its creator's nice value, and a fan-out
        // worker's (nice 10) would pass on to the child's (nice -n is relative). It waits idle until then.
        this.writer = new Thread(this::writeToChild, "web-push-process-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** The PEM text of the extra CA certificates (checked here, so a bad file stops the hub at start), or "". */
    private static String extraAnchors(Path file) {
        if (file == null) {
            return "";
        }
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            Pem.parseCertificates(pem);
            return pem;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read doorward.push.extra-trust-anchor " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "doorward.push.extra-trust-anchor " + file + " holds no PEM certificate", e);
        }
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

    /** Hands a delivery to the Web Push process without waiting (starting it on the first); counted when full. */
    void deliver(Delivery delivery) {
        if (stopping || pending.size() >= settings.queueCapacity()) {
            drop();
            return;
        }
        long id = ids.incrementAndGet();
        pending.put(id, delivery);
        if (!outbox.offer(id)) {
            pending.remove(id);
            drop();
            return;
        }
    }

    Counts counts() {
        return new Counts(delivered.get(), dropped.get(), expired.get(), failed.get(), retried.get());
    }

    /** How often the Web Push process was started (for tests). */
    long processStarts() {
        return starts.get();
    }

    /** The running Web Push process, if any (for tests). */
    Optional<ProcessHandle> process() {
        Child c = child;
        return c == null || c.ended.get() ? Optional.empty() : Optional.of(c.process.toHandle());
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

    /** The writer thread: deliveries in order to the running child, starting one when there is none. */
    private void writeToChild() {
        try {
            startEarlyIfSomeoneSubscribed();
            while (!stopping) {
                Long id = outbox.poll(1, TimeUnit.SECONDS);
                if (id != null && !handOver(id)) {
                    return; // stopping
                }
                checkHung();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A hub whose members subscribed starts its Web Push process at once, so the first ring after a start does not
     * wait for a JVM to start; one with no subscription (a test hub, a new install) starts none until needed.
     */
    private void startEarlyIfSomeoneSubscribed() throws InterruptedException {
        boolean any;
        try {
            any = subscriptions.anyExist();
        } catch (RuntimeException e) {
            return; // the database is not there yet: started on the first delivery instead
        }
        if (any) {
            running();
        }
    }

    /**
     * A child that has work and says nothing for longer than any delivery can take (every attempt timing out after
     * the longest wait allowed) is hung — stopped, or stuck in its collector — and is ended like a dead one.
     */
    private void checkHung() {
        Child c = child;
        if (c == null || c.ended.get() || c.inFlight.isEmpty()) {
            return;
        }
        Duration silent = Duration.ofNanos(System.nanoTime() - c.lastProgressNanos);
        if (silent.compareTo(hungAfter) > 0) {
            c.ended(
                    "answered nothing for " + silent.toSeconds() + " s with " + c.inFlight.size()
                            + " push(es) in flight (hung)",
                    true);
        }
    }

    /**
     * Writes one delivery to the running child. A write that fails never reached it (its pipe is closed: it died
     * before the hub noticed), so the delivery goes to the next child rather than being lost. False once stopping.
     */
    private boolean handOver(long id) throws InterruptedException {
        while (true) {
            Delivery d = pending.get(id);
            if (d == null) {
                return true;
            }
            Child c = running();
            if (c == null) {
                return false;
            }
            if (c.inFlight.isEmpty()) {
                c.lastProgressNanos = System.nanoTime(); // silence while it had nothing to do is no sign
            }
            c.inFlight.add(id);
            PushMessage m = d.message();
            String topic = m.topic();
            PushFrames.Deliver frame = new PushFrames.Deliver(
                    id,
                    d.endpoint(),
                    d.p256dh(),
                    d.auth(),
                    m.json(),
                    m.kind().ttl.toSeconds(),
                    m.kind().urgency.wire,
                    topic == null ? "" : topic);
            try {
                c.write(PushFrames.DELIVER, frame::write);
            } catch (IOException e) {
                c.inFlight.remove(id);
                // Its reader says why it ended (an exit status is clearer than a broken pipe); waited for briefly.
                c.process.destroyForcibly();
                if (!c.endedLatch.await(5, TimeUnit.SECONDS)) {
                    c.ended("stopped taking work (" + e.getMessage() + ")", false);
                }
                continue;
            }
            if (c.ended.get()) {
                c.resendInFlight(); // it ended while this one was handed over
            }
            return true;
        }
    }

    /** The running child, started if there is none (after the backoff); null once the hub stops. */
    private synchronized Child running() throws InterruptedException {
        while (!stopping) {
            Child c = child;
            if (c != null && !c.ended.get()) {
                return c;
            }
            long wait = nextStartNanos - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.timedWait(this, wait);
                continue;
            }
            try {
                child = start();
                return child;
            } catch (IOException e) {
                log.error("Cannot start the Web Push process (pushes wait, then are dropped): {}", e.getMessage());
                nextStartNanos = System.nanoTime() + restartBackoff.toNanos();
                restartBackoff = min(restartBackoff.multipliedBy(2), MAX_RESTART);
            }
        }
        return null;
    }

    private Child start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command.get());
        // Nothing of the hub's environment (it may hold database or other credentials): only what a JVM uses.
        Map<String, String> environment = builder.environment();
        Map<String, String> kept = new HashMap<>();
        for (String name : List.of("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")) {
            String value = environment.get(name);
            if (value != null) {
                kept.put(name, value);
            }
        }
        environment.clear();
        environment.putAll(kept);
        Process process = builder.start();
        starts.incrementAndGet();
        Child c = new Child(process);
        try {
            // The VAPID key goes over the pipe: never on the command line, in the environment or a file.
            c.write(PushFrames.SETTINGS, settingsFrame()::write);
        } catch (IOException e) {
            process.destroyForcibly();
            throw new IOException("it did not take its settings: " + e.getMessage(), e);
        }
        c.startThreads();
        log.info("Started the Web Push process (pid {})", process.pid());
        return c;
    }

    private PushFrames.Settings settingsFrame() {
        return new PushFrames.Settings(
                vapid.privateScalar(),
                vapid.publicPoint(),
                vapid.contact(),
                settings.allowedHosts(),
                extraAnchorsPem,
                settings.connectTimeout().toMillis(),
                settings.readTimeout().toMillis(),
                settings.maxAttempts(),
                settings.maxRetryAfter().toMillis(),
                settings.workers());
    }

    /**
     * The child's command: the hub's own {@code java}, a small heap with the serial collector (a few MB of live
     * data; its pauses stop only the child), at {@code SCHED_IDLE} where {@code chrt} exists (it runs only on CPU the
     * hub leaves: a thread of the hub that wakes preempts it at once, where a niced task keeps its core until its slice
     * ends — measured as the in-app ring's p99 growing while pushes were sent) and at nice {@value #NICE}, on the hub's
     * class path — from the Spring Boot
     * jar through its {@code PropertiesLauncher}, which opens the jar's nested libraries.
     */
    static List<String> command() {
        List<String> command = new ArrayList<>();
        command.addAll(belowTheHub());
        command.addAll(javaCommand());
        return command;
    }

    /** {@code chrt --idle 0} and {@code nice -n} {@value #NICE}, each where it exists (see {@link #command}). */
    static List<String> belowTheHub() {
        List<String> command = new ArrayList<>();
        for (String chrt : List.of("/usr/bin/chrt", "/bin/chrt")) {
            if (Files.isExecutable(Path.of(chrt))) {
                command.addAll(List.of(chrt, "--idle", "0"));
                break;
            }
        }
        for (String nice : List.of("/usr/bin/nice", "/bin/nice")) {
            if (Files.isExecutable(Path.of(nice))) {
                command.addAll(List.of(nice, "-n", Integer.toString(NICE)));
                break;
            }
        }
        return command;
    }

    /** The child's JVM and its class, at whatever priority it is started with. */
    static List<String> javaCommand() {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(
                "-Xmx64m",
                "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:-UsePerfData",
                "-cp",
                System.getProperty("java.class.path")));
        if (fromBootJar()) {
            command.add("-Dloader.main=" + PushProcess.class.getName());
            command.add("org.springframework.boot.loader.launch.PropertiesLauncher");
        } else {
            command.add(PushProcess.class.getName());
        }
        return command;
    }

    private static boolean fromBootJar() {
        ClassLoader loader = PushSender.class.getClassLoader();
        return loader != null && loader.getClass().getName().startsWith("org.springframework.boot.loader.");
    }

    private void handle(Delivery d, PushFrames.Result result) {
        retried.addAndGet(result.retries());
        switch (result.outcome()) {
            case DELIVERED -> delivered.incrementAndGet();
            case FAILED -> failed.incrementAndGet();
            case EXPIRED -> {
                expired.incrementAndGet();
                try {
                    if (subscriptions.deleteExpired(d.clientId(), d.endpoint())) {
                        log.info(
                                "A push subscription at {} has expired (HTTP {}); removed",
                                PushProcess.hostOf(d.endpoint()),
                                result.status());
                    }
                } catch (RuntimeException e) {
                    log.error("Could not remove an expired push subscription", e);
                }
            }
        }
    }

    private static final String STILL_RUNNING = "closed its output";

    /** What became of a dead child's unanswered deliveries. */
    private record InFlight(int resent, int failed) {}

    /** One run of the Web Push process. */
    private final class Child {
        final Process process;
        final OutputStream stdin;
        /** Ids written to this child and not yet answered. */
        final Set<Long> inFlight = ConcurrentHashMap.newKeySet();

        final AtomicBoolean ended = new AtomicBoolean();
        /** When it last answered, or was given work while it had none. */
        volatile long lastProgressNanos = System.nanoTime();

        final CountDownLatch endedLatch = new CountDownLatch(1);
        final long startedNanos = System.nanoTime();

        Child(Process process) {
            this.process = process;
            this.stdin = new BufferedOutputStream(process.getOutputStream(), 8192);
        }

        void write(byte type, PushFrames.Fields fields) throws IOException {
            synchronized (stdin) {
                PushFrames.write(stdin, type, fields);
            }
        }

        void startThreads() {
            Thread reader = new Thread(this::readResults, "web-push-process-reader");
            reader.setDaemon(true);
            reader.start();
            Thread errors = new Thread(this::relayErrors, "web-push-process-stderr");
            errors.setDaemon(true);
            errors.start();
        }

        private void readResults() {
            InputStream in = new BufferedInputStream(process.getInputStream(), 8192);
            try {
                PushFrames.Frame hello = PushFrames.read(in, PushFrames.HELLO);
                if (hello == null) {
                    ended(exitDescription(), false);
                    return;
                }
                if (!PushFrames.PROTOCOL.equals(hello.fields().readUTF())) {
                    throw new PushFrames.ProtocolError("it speaks another protocol");
                }
                PushFrames.Frame frame;
                while ((frame = PushFrames.read(in, PushFrames.RESULT, PushFrames.LOG)) != null) {
                    lastProgressNanos = System.nanoTime();
                    if (frame.type() == PushFrames.LOG) {
                        log.warn("Web Push process: {}", clip(frame.fields().readUTF()));
                        continue;
                    }
                    PushFrames.Result result = PushFrames.Result.read(frame.fields());
                    if (!inFlight.remove(result.id())) {
                        throw new PushFrames.ProtocolError("it answered a delivery it was not given");
                    }
                    Delivery d = pending.remove(result.id());
                    resentAfterADeath.remove(result.id());
                    if (d != null) {
                        handle(d, result);
                    }
                }
                ended(exitDescription(), false);
            } catch (PushFrames.ProtocolError | java.io.EOFException | java.io.UTFDataFormatException e) {
                ended("wrote something that is not a Web Push frame (" + e.getMessage() + ")", true);
            } catch (IOException e) {
                // A process that has exited may close its output under the reader ("Stream closed"): say how it ended.
                String how = exitDescription();
                ended(how.equals(STILL_RUNNING) ? "its output broke (" + e.getMessage() + ")" : how, false);
            }
        }

        private String exitDescription() {
            try {
                if (process.waitFor(1, TimeUnit.SECONDS)) {
                    int status = process.exitValue();
                    return status > 128 ? "was killed (signal " + (status - 128) + ")" : "exited with status " + status;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return STILL_RUNNING;
        }

        private void relayErrors() {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    log.warn("Web Push process: {}", clip(line));
                }
            } catch (IOException e) {
                // the process is gone; readResults reports it
            }
        }

        /**
         * The child is finished: logged once, stopped, its in-flight deliveries handed to the next child (or failed),
         * a restart scheduled.
         */
        void ended(String why, boolean garbage) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            process.destroyForcibly();
            InFlight left = resendInFlight();
            if (stopping) {
                endedLatch.countDown();
                return;
            }
            Duration backoff;
            synchronized (PushSender.this) {
                if (Duration.ofNanos(System.nanoTime() - startedNanos).compareTo(STABLE) >= 0) {
                    restartBackoff = FIRST_RESTART;
                }
                backoff = restartBackoff;
                nextStartNanos = System.nanoTime() + backoff.toNanos();
                restartBackoff = min(restartBackoff.multipliedBy(2), MAX_RESTART);
            }
            endedLatch.countDown(); // after the backoff is set: the writer waits for this before it starts the next
            String message = "The Web Push process (pid {}) {}; of the push(es) it had in flight {} go to the next"
                    + " one and {} counted as failed (in flight at a death before); starting it again in {} ms";
            if (garbage) {
                log.error(message, process.pid(), why, left.resent(), left.failed(), backoff.toMillis());
            } else {
                log.warn(message, process.pid(), why, left.resent(), left.failed(), backoff.toMillis());
            }
        }

        /**
         * This child's unanswered deliveries: each goes to the next child, behind what waits, unless it was already
         * in flight at a death (or the hub is stopping): then it is counted as failed.
         */
        InFlight resendInFlight() {
            int resent = 0;
            int lost = 0;
            for (Long id : List.copyOf(inFlight)) {
                // The reader (at its end) and the writer (handing over as it ended) may both get here: one takes each.
                if (!inFlight.remove(id) || !pending.containsKey(id)) {
                    continue;
                }
                if (!stopping && resentAfterADeath.add(id)) {
                    if (outbox.offer(id)) {
                        resent++;
                        continue;
                    }
                }
                resentAfterADeath.remove(id);
                if (pending.remove(id) != null) {
                    failed.incrementAndGet();
                    lost++;
                }
            }
            return new InFlight(resent, lost);
        }

        /** Closes its stdin (it exits by itself) and kills it if it lingers. */
        void stop() {
            ended.set(true);
            // On a thread of its own: a writer blocked on a full pipe holds the stream's lock until the kill below.
            Thread closer = new Thread(
                    () -> {
                        try {
                            stdin.close();
                        } catch (IOException e) {
                            // already gone
                        }
                    },
                    "web-push-process-close");
            closer.setDaemon(true);
            closer.start();
            try {
                if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String clip(String line) {
        return line.length() <= 500 ? line : line.substring(0, 500) + "…";
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @PreDestroy
    void stop() {
        stopping = true;
        workers.shutdownNow();
        writer.interrupt();
        Child c = child;
        if (c != null) {
            c.stop();
        }
    }
}
