package dev.doorward.hub.liveport;

import dev.doorward.hub.link.transport.LinkEndpoint;

/**
 * A WebSocket path a feature serves on the live port besides live views (the member stream): a bean of this type is
 * served there, to browsers the port's gate admitted ({@link dev.doorward.hub.link.transport.LinkSocket#admitted()}
 * is their {@link BrowserAdmission}), on the network threads that read the doorbells.
 */
public interface LivePortPath {
    /** The exact path, like {@code /api/stream}. */
    String path();

    /** What the live port calls for each socket opened on the path. */
    LinkEndpoint endpoint();
}
