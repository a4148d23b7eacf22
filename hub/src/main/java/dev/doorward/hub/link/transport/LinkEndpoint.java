package dev.doorward.hub.link.transport;

import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;

/**
 * What the device port's server calls for each connection, in order: {@link #opened} once, then messages, then
 * {@link #closed} once. Calls for one connection never overlap (except {@link #relayAtOnce}); calls for different connections do.
 */
public interface LinkEndpoint {
    /** A WebSocket upgrade completed over TLS with this verified client certificate chain (leaf first). */
    void opened(LinkSocket socket, X509Certificate[] chain);

    void text(LinkSocket socket, String text);

    /**
     * Sees a text message the moment it arrives, on the network thread, before it is queued for {@link #text}
     * (which still follows, in order): for what must not wait behind the link's queued work — someone at the door
     * while an upload before it waits for the database. Must be quick and must not block.
     *
     * @param behindQueuedWork whether earlier messages of this link are still queued or being handled; when false,
     *     {@link #text} for this one starts at once, with nothing before it to wait for
     */
    default void textArrived(LinkSocket socket, String text, boolean behindQueuedWork) {}

    /**
     * Offers a text that arrived with nothing of this link queued or being handled before it, to be handled here on
     * the network thread because handling it never blocks (a heartbeat): a worker thread woken for it would cost
     * more than the work. Returns false to have it handled in order by {@link #text} instead. Whatever it sends goes
     * out after everything sent to this link before.
     */
    default boolean handledAtOnce(LinkSocket socket, String text) {
        return false;
    }

    /** A binary message; {@code message} is valid only during the call (copy what you keep). */
    void binary(LinkSocket socket, ByteBuffer message);

    void closed(LinkSocket socket);

    /**
     * Offers a binary message to be relayed at once on the network thread, ahead of queued work, because relaying
     * it never blocks (live media); returns false to have it queued for {@link #binary} in order instead. Must be
     * quick, must not block, may run while a queued call for the same link runs. {@code message} is valid only
     * during the call.
     */
    default boolean relayAtOnce(LinkSocket socket, ByteBuffer message) {
        return false;
    }
}
