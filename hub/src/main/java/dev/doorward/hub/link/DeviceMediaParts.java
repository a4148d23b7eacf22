package dev.doorward.hub.link;

import dev.doorward.protocol.MediaPart;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a welcomed, owned doorbell's media parts go, each decoded once by the link: event media (a ring's snapshot,
 * a clip) in order on the link's thread, live video and audio at once on the network thread.
 */
public interface DeviceMediaParts {
    /** Stores event media: implemented by history. */
    interface EventMedia {
        void part(DeviceLink link, MediaPart part) throws IOException;
    }

    /** Relays live media to the doorbell's viewers: implemented by live. */
    interface Live {
        /**
         * @param part the decoded part
         * @param wire the part as it arrived (read it, do not keep it: the network reuses the buffer)
         * @throws IllegalArgumentException for a part a doorbell may not send
         */
        void part(String deviceId, MediaPart part, ByteBuffer wire);

        /**
         * A media key from the doorbell arrived; it is handled in its turn, behind the link's queued work, while
         * the parts sealed under it are relayed at once. Holds the doorbell's parts for its viewers until the
         * returned release runs (once that key was handled, or the link closed), so none arrives before its key.
         * On the network thread: quick, never blocks.
         */
        Runnable holdForKey(String deviceId);
    }
}
