package dev.doorward.hub.live;

import java.nio.ByteBuffer;

/**
 * Live view across a cluster's nodes, as {@link LiveViews} sees it: implemented by {@code cluster.ClusterLive},
 * which hands itself to {@link LiveViews#useRemote} when it is made. A single hub has none, and {@link LiveViews}
 * then does nothing more than it did before there were clusters.
 */
public interface RemoteLive {
    /**
     * How many browsers on this node watch a doorbell changed (0: none any more). Called when a view starts or ends,
     * never per part; the cluster side asks the node holding the doorbell's link when it is not linked here.
     */
    void viewersChanged(String deviceId, int viewersHere);

    /** A sealed talk part from a browser here for a doorbell whose link is not here (checked and rate-limited). */
    void talk(String deviceId, ByteBuffer part);

    /**
     * A doorbell linked here and fed to other nodes wrapped a new media key to a browser (already stored): told to
     * the watching nodes among the doorbell's parts, ahead of those its feed held meanwhile, so none overtakes it.
     */
    void keyStored(String deviceId, String clientId);

    /** Where the parts of a doorbell linked here go while other nodes watch it. */
    Publisher publisher(String deviceId);

    /** Sends one doorbell's parts to the other nodes, in the order given (one publisher per doorbell). */
    interface Publisher {
        /** Copies the part out (the caller's buffer is shared) and sends it; never blocks, never throws. */
        void publish(ByteBuffer part);

        /** Bytes waiting to go out to NATS: above a limit the feed skips whole frames, as a slow browser does. */
        long backlogBytes();
    }
}
