package dev.doorward.hub.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.protocol.testing.MutableClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HouseholdMemoryTest {
    private final MutableClock clock = MutableClock.startingNow();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicReference<String> stored = new AtomicReference<>("v1");
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final AtomicInteger announced = new AtomicInteger();
    private final HouseholdMemory<String> memory = new HouseholdMemory<>(
            "test values",
            Duration.ofSeconds(2),
            clock,
            household -> {
                reads.incrementAndGet();
                if (failure.get() != null) {
                    throw failure.get();
                }
                return household + ":" + stored.get();
            },
            announced::incrementAndGet);

    @Test
    void readsOnceThenAnswersFromMemoryPerHousehold() {
        assertThat(memory.of("h1")).isEqualTo("h1:v1");
        assertThat(memory.of("h1")).isEqualTo("h1:v1");
        assertThat(memory.of("h2")).isEqualTo("h2:v1");
        assertThat(reads).hasValue(2);
    }

    @Test
    void whatIsFreshIsToldWithoutReadingAndNothingElseIs() {
        assertThat(memory.ifFresh("h1")).isEmpty();
        assertThat(reads).hasValue(0);
        memory.of("h1");
        assertThat(memory.ifFresh("h1")).contains("h1:v1");
        clock.advance(Duration.ofSeconds(2));
        assertThat(memory.ifFresh("h1")).as("older than the memory's age").isEmpty();
        memory.of("h1");
        memory.forgetNow();
        assertThat(memory.ifFresh("h1")).as("forgotten at a change").isEmpty();
        assertThat(reads).hasValue(2);
    }

    @Test
    void aChangeHereIsSeenByTheNextReadAndAnnounced() {
        memory.of("h1");
        stored.set("v2");
        memory.forgetAll(); // outside a transaction: at once
        assertThat(memory.of("h1")).isEqualTo("h1:v2");
        assertThat(announced).hasValue(1);
    }

    @Test
    void aChangeAnnouncedByAnotherNodeIsSeenByTheNextReadAndNotAnnouncedAgain() {
        memory.of("h1");
        stored.set("v2");
        memory.forgetNow();
        assertThat(memory.of("h1")).isEqualTo("h1:v2");
        assertThat(announced).hasValue(0);
    }

    @Test
    void aChangeNotHeardOfIsSeenOnceTheEntryIsOld() {
        memory.of("h1");
        stored.set("v2"); // e.g. written by another cluster node
        clock.advance(Duration.ofMillis(1_999));
        assertThat(memory.of("h1")).isEqualTo("h1:v1");
        clock.advance(Duration.ofMillis(1));
        assertThat(memory.of("h1")).isEqualTo("h1:v2");
    }

    @Test
    void anOldEntryIsUsedWhenTheDatabaseCannotBeRead() {
        memory.of("h1");
        clock.advance(Duration.ofSeconds(10));
        failure.set(new IllegalStateException("database down"));
        assertThat(memory.of("h1")).isEqualTo("h1:v1");
        // With nothing remembered, the failure is the caller's to handle.
        assertThatThrownBy(() -> memory.of("h2")).hasMessage("database down");
    }

    @Test
    void aReadThatRacedAChangeIsUsedOnceButNotRemembered() {
        AtomicReference<HouseholdMemory<String>> self = new AtomicReference<>();
        HouseholdMemory<String> racing = new HouseholdMemory<>(
                "racing",
                Duration.ofMinutes(1),
                clock,
                household -> {
                    reads.incrementAndGet();
                    String value = stored.get();
                    if (reads.get() == 1) {
                        stored.set("v2"); // committed while the first read was under way
                        self.get().forgetAll();
                    }
                    return value;
                },
                () -> {});
        self.set(racing);
        assertThat(racing.of("h1")).isEqualTo("v1");
        assertThat(racing.of("h1")).isEqualTo("v2");
        assertThat(racing.of("h1")).isEqualTo("v2");
        assertThat(reads).hasValue(2);
    }
}
