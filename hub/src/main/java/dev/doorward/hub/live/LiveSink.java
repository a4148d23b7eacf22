package dev.doorward.hub.live;

import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;

/**
 * What takes a doorbell's live parts on the node holding its link: a browser watching here ({@link Viewer}) or, in a
 * cluster, the feed to viewers on other nodes ({@link RemoteFeed}). Called on the network thread of the doorbell's
 * link, one part after another.
 */
interface LiveSink {
    /** A part from the doorbell, shared read-only between sinks: read it, never change it. */
    void media(ByteBuffer part, MediaPart.Kind kind, boolean first, boolean last, boolean keyframe);
}
