package dev.doorward.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Audience;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.shared.EndedSessions;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SessionEnded;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stream is admitted (its session checked) and then registered, after its households are read: an end that falls
 * between the two — the session signed out, the account removed from the household — must still close it. The
 * window is a database read long, too short to hit from outside, so the read is held here until the end happened.
 */
class StreamOpenedAsItEndsTest {
    private static final String HOUSEHOLD = "household-id-0123456789";
    private static final String ACCOUNT = "account-id-0123456789ab";

    /** The households of everyone, as the database would give them; the first read waits until let go. */
    private static final class HeldHouseholds extends Households {
        final CountDownLatch reading = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);

        HeldHouseholds() {
            super(null, Clock.systemUTC());
        }

        @Override
        public List<Membership> membershipsOf(String accountId) {
            reading.countDown();
            try {
                letGo.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(new Membership(HOUSEHOLD, "Home", Role.RESIDENT, 30));
        }
    }

    /** What the browser at the other end would see. */
    private static final class Browser implements MemberSocket {
        final String session;
        final List<String> received = new CopyOnWriteArrayList<>();
        volatile int closedWith;

        Browser(String session) {
            this.session = session;
        }

        @Override
        public String accountId() {
            return ACCOUNT;
        }

        @Override
        public String browserSession() {
            return session;
        }

        @Override
        public void send(String json) {
            if (closedWith == 0) {
                received.add(json);
            }
        }

        @Override
        public void close(int code, String reason) {
            closedWith = code;
        }
    }

    private static void ring(MemberStreams streams) {
        streams.deliver(
                new Audience.Household(HOUSEHOLD, account -> true, false),
                new Notice.Ring("device-id-0123456789ab", "Front door", "event-id-0123456789abc", Instant.now()));
    }

    @Test
    void aStreamWhoseSessionEndsWhileItOpensIsClosedAndHearsNoRing() throws Exception {
        HeldHouseholds households = new HeldHouseholds();
        MemberStreams streams = new MemberStreams(households, new EndedSessions(Clock.systemUTC()));
        Browser browser = new Browser("session-that-signs-out");

        CompletableFuture<Void> opening = CompletableFuture.runAsync(() -> streams.opened("s1", browser));
        assertThat(households.reading.await(5, TimeUnit.SECONDS)).isTrue();
        streams.sessionEnded(new SessionEnded("session-that-signs-out"));
        households.letGo.countDown();
        opening.get(5, TimeUnit.SECONDS);

        assertThat(browser.closedWith).isEqualTo(1008);
        ring(streams);
        assertThat(browser.received).as("no hello, no ring").isEmpty();
    }

    @Test
    void aStreamWhoseAccountLeavesTheHouseholdWhileItOpensIsClosedAndTheNextOneOpens() throws Exception {
        HeldHouseholds households = new HeldHouseholds();
        MemberStreams streams = new MemberStreams(households, new EndedSessions(Clock.systemUTC()));
        Browser browser = new Browser("session-a");

        CompletableFuture<Void> opening = CompletableFuture.runAsync(() -> streams.opened("s1", browser));
        assertThat(households.reading.await(5, TimeUnit.SECONDS)).isTrue();
        streams.removeFromHousehold(ACCOUNT, HOUSEHOLD);
        households.letGo.countDown();
        opening.get(5, TimeUnit.SECONDS);
        assertThat(browser.closedWith).isEqualTo(1008);

        // The app reconnects at once and reads what it belongs to now (here, still the household: another
        // membership): that stream is not refused for the end before it.
        Browser again = new Browser("session-a");
        streams.opened("s2", again);
        assertThat(again.closedWith).isZero();
        ring(streams);
        assertThat(again.received).hasSize(2); // hello, then the ring
        assertThat(browser.received).isEmpty();
    }

    @Test
    void aStreamOfAnotherSessionOfTheSameAccountStaysOpen() throws Exception {
        HeldHouseholds households = new HeldHouseholds();
        households.letGo.countDown();
        MemberStreams streams = new MemberStreams(households, new EndedSessions(Clock.systemUTC()));
        streams.sessionEnded(new SessionEnded("the-laptops-session"));

        Browser phone = new Browser("the-phones-session");
        streams.opened("s1", phone);
        ring(streams);
        assertThat(phone.closedWith).isZero();
        assertThat(phone.received).hasSize(2);
    }
}
