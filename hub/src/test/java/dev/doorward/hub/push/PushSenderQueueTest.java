package dev.doorward.hub.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.testing.PushServiceStandIn;
import dev.doorward.hub.testing.PushServiceStandIn.Subscription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The sender's queue in front of its workers: handing work over never waits, and what does not fit is counted; the
 * Web Push process it starts, on its own (without a hub).
 */
@ExtendWith(OutputCaptureExtension.class)
class PushSenderQueueTest {
    @TempDir
    Path dir;

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlockingTheCaller() throws Exception {
        HubProperties properties = properties(push(2, Duration.ofSeconds(1)));
        PushSender sender = sender(properties);
        try {
            CountDownLatch stuck = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            // The one worker is busy (as with a push service that does not answer) ...
            assertThat(sender.submit(() -> {
                        started.countDown();
                        try {
                            stuck.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }))
                    .isTrue();
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            // ... the queue takes two more, and the rest are dropped at once.
            assertThat(sender.submit(() -> {})).isTrue();
            assertThat(sender.submit(() -> {})).isTrue();
            long begin = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                assertThat(sender.submit(() -> {})).isFalse();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(1));
            assertThat(sender.counts().dropped()).isEqualTo(1000);
            stuck.countDown();
        } finally {
            sender.stop();
        }
    }

    @Test
    void theVapidKeyIsMadeOnceKeptOwnerOnlyAndNeverPrinted() throws Exception {
        HubProperties properties = properties(push(10, Duration.ofSeconds(1)));
        VapidKey first = new VapidKey(properties);
        Path file = dir.resolve("data").resolve("push").resolve("vapid-key.pem");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        java.nio.file.Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        VapidKey again = new VapidKey(properties);
        assertThat(again.publicKey()).isEqualTo(first.publicKey());
        assertThat(first.toString())
                .contains("[REDACTED]")
                .doesNotContain(java.nio.file.Files.readString(file)
                        .lines()
                        .filter(l -> !l.startsWith("-----"))
                        .findFirst()
                        .orElseThrow());
    }

    @Test
    void theWebPushProcessStartsOnTheFirstDeliverySendsItAndEndsWithTheSender() throws Exception {
        try (PushServiceStandIn service = PushServiceStandIn.start(dir.resolve("push-service"))) {
            HubProperties properties = properties(push(10, Duration.ofSeconds(5)), service.hubProperties());
            PushSender sender = sender(properties);
            try {
                assertThat(sender.process())
                        .as("no process before the first push")
                        .isEmpty();
                Subscription sub = service.subscribe();
                sender.deliver(new PushSender.Delivery(
                        "client1",
                        sub.endpoint(),
                        sub.p256dh(),
                        sub.authSecret(),
                        PushMessage.ring("household1", "device1", "event1", 1)));
                List<PushServiceStandIn.Received> got = service.awaitOn(sub.channelId(), 1, Duration.ofSeconds(30));
                assertThat(got).hasSize(1);
                assertThat(sub.open(got.get(0))).contains("\"eventId\":\"event1\"");
                long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (sender.counts().delivered() < 1 && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertThat(sender.counts().delivered()).isEqualTo(1);
                ProcessHandle child = sender.process().orElseThrow();
                assertThat(child.isAlive()).isTrue();

                sender.stop();
                assertThat(child.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
                long dropped = sender.counts().dropped();
                sender.deliver(new PushSender.Delivery(
                        "client1",
                        sub.endpoint(),
                        sub.p256dh(),
                        sub.authSecret(),
                        PushMessage.ring("household1", "device1", "event2", 2)));
                assertThat(sender.counts().dropped()).isEqualTo(dropped + 1);
                assertThat(sender.process()).isEmpty();
            } finally {
                sender.stop();
            }
        }
    }

    @Test
    void theWebPushProcessEndsByItselfWhenItsStdinClosesAsWhenTheHubIsKilled() throws Exception {
        Process child = new ProcessBuilder(PushSender.javaCommand()).start();
        try {
            PushFrames.Frame hello = PushFrames.read(child.getInputStream(), PushFrames.HELLO);
            assertThat(hello).isNotNull();
            assertThat(hello.fields().readUTF()).isEqualTo(PushFrames.PROTOCOL);
            child.getOutputStream().close();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void theWebPushProcessStopsOnGarbageFromTheHubSide() throws Exception {
        Process child = new ProcessBuilder(PushSender.javaCommand()).start();
        try {
            assertThat(PushFrames.read(child.getInputStream(), PushFrames.HELLO))
                    .isNotNull();
            child.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            child.getOutputStream().flush();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(2);
            assertThat(new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("Web Push process: stops on", "not a frame (first byte 0x47)");
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aWebPushProcessThatKeepsDyingIsStartedAgainWithBackoffAndSaysWhy(CapturedOutput output) throws Exception {
        HubProperties properties = properties(push(10, Duration.ofSeconds(1)));
        // A child that exits at once, every time (as a broken installation would).
        PushSender sender = new PushSender(
                null, new VapidKey(properties), Clock.systemUTC(), properties, () -> List.of("sh", "-c", "exit 3"));
        try {
            // A push every 100 ms for four seconds; a dead child is started again when there is something to send.
            for (int i = 0; i < 40; i++) {
                sender.deliver(new PushSender.Delivery(
                        "client1",
                        "https://push.example/wpush/1",
                        "BAAA",
                        "AAAA",
                        PushMessage.ring("household1", "device1", "event" + i, i)));
                Thread.sleep(100);
            }
            // 250 ms, 500 ms, 1 s, 2 s between starts: a handful in four seconds, not a busy loop.
            assertThat(sender.processStarts()).isBetween(2L, 6L);
            assertThat(output.getAll()).containsAnyOf("exited with status 3", "Cannot start the Web Push process");
            assertThat(output.getAll()).contains("starting it again in");
            // Pushes do not vanish: one the child had is counted as failed; one it never took waits for the next child
            // in the bounded hand-over, and what does not fit is counted as dropped.
            assertThat(sender.counts().failed() + sender.counts().dropped()).isPositive();
        } finally {
            sender.stop();
        }
    }

    @Test
    void aHungWebPushProcessIsEndedAndTheNextPushGoesThroughANewOne(CapturedOutput output) throws Exception {
        try (PushServiceStandIn service = PushServiceStandIn.start(dir.resolve("push-service"))) {
            // 1 attempt of at most 1 s + 1 s: a child with work that says nothing for 12 s is hung.
            HubProperties properties = properties(push(10, Duration.ofSeconds(1)), service.hubProperties());
            PushSender sender = sender(properties);
            try {
                Subscription sub = service.subscribe();
                sender.deliver(delivery(sub, "event1"));
                assertThat(service.awaitOn(sub.channelId(), 1, Duration.ofSeconds(30)))
                        .hasSize(1);
                long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (sender.counts().delivered() < 1 && System.nanoTime() < end) {
                    Thread.sleep(20); // its answer reaches the hub just after the push service has the push
                }
                ProcessHandle first = sender.process().orElseThrow();
                // Stopped as a debugger or the kernel would: alive, reading nothing, answering nothing.
                assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(first.pid()))
                                .start()
                                .waitFor())
                        .isZero();
                sender.deliver(delivery(sub, "event2"));
                // The hub says so as it kills it and hands what it had in flight on: 12 s of silence with work.
                String said = "The Web Push process (pid " + first.pid() + ") answered nothing";
                long logged = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!output.getAll().contains(said) && System.nanoTime() < logged) {
                    Thread.sleep(20);
                }
                assertThat(output.getAll())
                        .as(PushSenderQueueTest::writerThreads)
                        .contains(said);
                // Killed, it is gone (at the lowest CPU priority, its exit may take a while on a busy machine).
                assertThat(first.onExit().get(60, TimeUnit.SECONDS).isAlive()).isFalse();
                // What it had taken goes to the next process: the push is not lost with it. At least once, not
                // exactly once: a push handed on may also have left the hung process, so it may arrive twice (the
                // service worker shows one notification per event; once, under CI load, it did arrive twice).
                sender.deliver(delivery(sub, "event3"));
                long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                List<String> events = List.of();
                while (!events.contains("event3") && System.nanoTime() < until) {
                    events = service.awaitOn(sub.channelId(), events.size() + 1, Duration.ofSeconds(1)).stream()
                            .map(received -> eventIdIn(sub.open(received)))
                            .toList();
                }
                assertThat(events.stream().distinct().toList()).containsExactlyInAnyOrder("event1", "event2", "event3");
                assertThat(java.util.Collections.frequency(events, "event1")).isOne();
                assertThat(java.util.Collections.frequency(events, "event2")).isBetween(1, 2);
                assertThat(sender.counts().failed()).isZero();
            } finally {
                sender.stop();
            }
        }
    }

    private static String eventIdIn(String json) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"eventId\":\"([^\"]+)\"").matcher(json);
        assertThat(m.find()).as(json).isTrue();
        return m.group(1);
    }

    /**
     * A sender whose child runs at the test's own priority: in a busy suite (two test JVMs on two cores) a child at
     * {@code SCHED_IDLE} gets no CPU at all, is ended as hung, and these tests, which are about the queue and the
     * child's life, fail for it. {@code WebPushTest} checks the priority the hub gives it.
     */
    private static PushSender sender(HubProperties properties) {
        return new PushSender(null, new VapidKey(properties), Clock.systemUTC(), properties, PushSender::javaCommand);
    }

    /** Where the hub's writer threads are (for a failure's message: a writer that never checks is stuck there). */
    private static String writerThreads() {
        StringBuilder where = new StringBuilder("the Web Push writer threads:");
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().equals("web-push-process-writer")) {
                where.append("\n").append(thread.getState());
                for (StackTraceElement frame : stack) {
                    where.append("\n  at ").append(frame);
                }
            }
        });
        return where.toString();
    }

    /** Push settings for these tests: {@code queue} deliveries, one worker, one attempt, the given timeouts. */
    private static HubProperties.Push push(int queue, Duration timeouts) {
        return new HubProperties.Push(List.of(), null, "", queue, 1, timeouts, timeouts, 1, Duration.ofSeconds(1));
    }

    private static PushSender.Delivery delivery(Subscription sub, String eventId) {
        return new PushSender.Delivery(
                "client1",
                sub.endpoint(),
                sub.p256dh(),
                sub.authSecret(),
                PushMessage.ring("household1", "device1", eventId, 1));
    }

    /** The hub's settings as Spring binds them (defaults for everything else), with these push settings. */
    private HubProperties properties(HubProperties.Push push, Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(extra);
        settings.putAll(settingsOf(push));
        return new Binder(new MapConfigurationPropertySource(settings))
                .bind("doorward", HubProperties.class)
                .get();
    }

    private HubProperties properties(HubProperties.Push push) {
        return properties(push, Map.of());
    }

    private Map<String, String> settingsOf(HubProperties.Push push) {
        Map<String, String> settings = new HashMap<>();
        settings.put("doorward.data-dir", dir.resolve("data").toString());
        settings.put(
                "doorward.manufacturer-ca-certificate", dir.resolve("ca.crt").toString());
        settings.put("doorward.push.queue-capacity", Integer.toString(push.queueCapacity()));
        settings.put("doorward.push.workers", Integer.toString(push.workers()));
        settings.put("doorward.push.connect-timeout", push.connectTimeout().toMillis() + "ms");
        settings.put("doorward.push.read-timeout", push.readTimeout().toMillis() + "ms");
        settings.put("doorward.push.max-attempts", Integer.toString(push.maxAttempts()));
        settings.put("doorward.push.max-retry-after", push.maxRetryAfter().toMillis() + "ms");
        return settings;
    }
}
