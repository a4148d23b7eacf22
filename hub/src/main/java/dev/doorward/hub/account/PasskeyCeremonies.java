package dev.doorward.hub.account;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.web.webauthn.api.PublicKeyCredentialCreationOptions;
import org.springframework.security.web.webauthn.registration.PublicKeyCredentialCreationOptionsRepository;

/**
 * The passkey registration a signed-in browser has started (its challenge), between {@code POST
 * /webauthn/register/options} and {@code POST /webauthn/register}. Spring keeps it in the HTTP session by default,
 * but its options are not {@code Serializable} and sessions here are rows in PostgreSQL: so it is kept in memory,
 * per session, for the ceremony's five minutes at most, and spent by the registration. (Like rate limits, one hub's
 * memory: a cluster needs the ceremony on the node that started it.)
 */
final class PasskeyCeremonies implements PublicKeyCredentialCreationOptionsRepository {
    private static final Duration LIFETIME = Duration.ofMinutes(5);
    /** More open ceremonies than this and the oldest are not kept (each is a signed-in browser's). */
    private static final int MAX_OPEN = 10_000;

    private record Open(PublicKeyCredentialCreationOptions options, Instant until) {}

    private final Map<String, Open> open = new ConcurrentHashMap<>();
    private final Clock clock;

    PasskeyCeremonies(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void save(
            HttpServletRequest request, HttpServletResponse response, PublicKeyCredentialCreationOptions options) {
        HttpSession session = request.getSession(options != null);
        if (session == null) {
            return;
        }
        Instant now = clock.instant();
        open.values().removeIf(o -> o.until().isBefore(now));
        if (options == null) {
            open.remove(session.getId());
        } else if (open.size() < MAX_OPEN || open.containsKey(session.getId())) {
            open.put(session.getId(), new Open(options, now.plus(LIFETIME)));
        }
    }

    @Override
    public PublicKeyCredentialCreationOptions load(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session == null) {
            return null;
        }
        Open found = open.get(session.getId());
        return found == null || found.until().isBefore(clock.instant()) ? null : found.options();
    }
}
