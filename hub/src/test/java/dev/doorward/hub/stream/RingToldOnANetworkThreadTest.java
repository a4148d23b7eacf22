package dev.doorward.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Audience;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.shared.EndedSessions;
import dev.doorward.hub.shared.Role;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A ring told on the network thread that read it ({@code Notifier.toHouseholdAtOnce}) first asks each channel
 * whether it would wait. A browser-port stream (Tomcat, whose send may wait up to its time limit) can open between
 * that question and the telling: it still hears the ring, and that network thread does not wait for it.
 */
class RingToldOnANetworkThreadTest {
    private static final String HOUSEHOLD = "household-id-0123456789";
    private static final String ACCOUNT = "account-id-0123456789ab";
    private static final Audience.Household EVERYONE = new Audience.Household(HOUSEHOLD, account -> true, false);

    private static final class OneHousehold extends Households {
        OneHousehold() {
            super(null, Clock.systemUTC());
        }

        @Override
        public List<Membership> membershipsOf(String accountId) {
            return List.of(new Membership(HOUSEHOLD, "Home", Role.RESIDENT, 30));
        }
    }

    /** A browser-port stream whose sends, once {@code slow}, wait until let go (a browser that stopped reading). */
    private static final class SlowBrowser implements MemberSocket {
        final List<String> received = new CopyOnWriteArrayList<>();
        final List<Thread> sentOn = new CopyOnWriteArrayList<>();
        final CountDownLatch letGo = new CountDownLatch(1);
        volatile boolean slow;

        @Override
        public String accountId() {
            return ACCOUNT;
        }

        @Override
        public String browserSession() {
            return "a-browser-session";
        }

        @Override
        public void send(String json) {
            sentOn.add(Thread.currentThread());
            if (slow) {
                try {
                    letGo.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            received.add(json);
        }

        @Override
        public void close(int code, String reason) {}
    }

    private static Notice ring(String eventId) {
        return new Notice.Ring("device-id-0123456789ab", "Front door", eventId, Instant.now());
    }

    @Test
    void aBrowserPortStreamThatOpenedAfterTheQuestionHearsTheRingWithoutHoldingTheNetworkThread() throws Exception {
        MemberStreams streams = new MemberStreams(new OneHousehold(), new EndedSessions(Clock.systemUTC()));
        assertThat(streams.takesAtOnce(EVERYONE))
                .as("no stream yet: nothing would wait")
                .isTrue();

        SlowBrowser browser = new SlowBrowser();
        streams.opened("tomcat-1", browser);
        assertThat(streams.takesAtOnce(EVERYONE))
                .as("asked now, it would say no")
                .isFalse();
        browser.slow = true;

        CompletableFuture<Void> told =
                CompletableFuture.runAsync(() -> streams.deliverAtOnce(EVERYONE, ring("event-id-the-first-ring1")));
        told.get(5, TimeUnit.SECONDS); // returns while the browser's send still waits
        assertThat(browser.received).as("hello only, the ring still on its way").hasSize(1);

        browser.letGo.countDown();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (browser.received.size() < 2 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(browser.received).hasSize(2);
        assertThat(browser.received.get(1)).contains("event-id-the-first-ring1");
        assertThat(browser.sentOn.get(1).isVirtual()).isTrue();

        // Told in its turn (a thread that may wait), it is sent on the telling thread, in order with what follows.
        Thread tellingThread = Thread.currentThread();
        streams.deliver(EVERYONE, ring("event-id-the-second-ring"));
        assertThat(browser.received).hasSize(3);
        assertThat(browser.sentOn.get(2)).isSameAs(tellingThread);
    }
}
