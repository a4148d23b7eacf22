package dev.doorward.hub.shared;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Browser sessions that ended lately. A socket (a member stream, a live view) is admitted by its session and kept a
 * moment later; a {@link SessionEnded} in between finds nothing to close, and the socket would outlive its session.
 * Whoever keeps such sockets marks the end here before it closes what it keeps, and asks here after it kept one:
 * one of the two sees the other. Session ids are random and never reused, so ten minutes is plenty.
 */
@Component
public class EndedSessions {
    private static final long REMEMBER_MILLIS = Duration.ofMinutes(10).toMillis();

    private final Map<String, Long> endedAt = new ConcurrentHashMap<>();
    private final Clock clock;

    public EndedSessions(Clock clock) {
        this.clock = clock;
    }

    /** Marks a session ended (idempotent); forgets those marked more than ten minutes ago. */
    public void mark(String sessionId) {
        long now = clock.millis();
        endedAt.put(sessionId, now);
        endedAt.values().removeIf(at -> now - at > REMEMBER_MILLIS);
    }

    public boolean hasEnded(String sessionId) {
        return endedAt.containsKey(sessionId);
    }
}
