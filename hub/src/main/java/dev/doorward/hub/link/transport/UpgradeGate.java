package dev.doorward.hub.link.transport;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;

/**
 * Decides, from the headers of a WebSocket upgrade request on the served path, whether it may open a socket and
 * whom the socket belongs to ({@link LinkSocket#admitted()}). Runs on a network thread, where it must be quick and
 * must not block, unless it says it {@link #mayBlock may block}. A refused request gets 403 and nothing else.
 */
@FunctionalInterface
public interface UpgradeGate {
    /** Whom the socket belongs to, or empty to refuse it. */
    Optional<Object> admit(HttpHeaders headers);

    /**
     * True if answering these headers may wait on something (the database): the gate is then asked off the network
     * threads. A gate that already knows the answer (remembered) says false and is asked at once.
     */
    default boolean mayBlock(HttpHeaders headers) {
        return false;
    }

    /** For the device port: TLS already required a client certificate, which the endpoint checks. */
    UpgradeGate TLS_DECIDES = headers -> Optional.of(Boolean.TRUE);
}
