package dev.doorward.hub.shared;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.protocol.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EndedSessionsTest {
    @Test
    void anEndedSessionIsKnownAsEndedForTenMinutesAndOthersAreNot() {
        MutableClock clock = MutableClock.startingNow();
        EndedSessions ended = new EndedSessions(clock);
        ended.mark("signed-out");
        assertThat(ended.hasEnded("signed-out")).isTrue();
        assertThat(ended.hasEnded("still-signed-in")).isFalse();

        clock.advance(Duration.ofMinutes(9));
        ended.mark("later");
        assertThat(ended.hasEnded("signed-out")).isTrue();

        clock.advance(Duration.ofMinutes(2));
        ended.mark("later still");
        assertThat(ended.hasEnded("signed-out"))
                .as("forgotten: no socket waits ten minutes to be kept")
                .isFalse();
        assertThat(ended.hasEnded("later")).isTrue();
    }
}
