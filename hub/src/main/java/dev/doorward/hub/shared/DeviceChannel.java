package dev.doorward.hub.shared;

import dev.doorward.protocol.LinkMessage;
import java.nio.ByteBuffer;

/**
 * How a feature reaches a connected doorbell: the device links implement it ({@code link.DeviceConnections}), the
 * features use it, so no feature depends on the link's insides. Messages from doorbells come the other way, through
 * the handlers each feature registers with the link.
 */
public interface DeviceChannel {
    /** Whether the device is linked to this hub (on a cluster node: to this node). */
    boolean isOnline(String deviceId);

    /**
     * Whether the device is linked to this hub or, on a cluster node, to any node: what members are shown. Asks the
     * shared link table for a doorbell not linked here, so not for hot paths.
     */
    default boolean isOnlineAnywhere(String deviceId) {
        return isOnline(deviceId);
    }

    /** How many doorbells are connected now. */
    int count();

    /**
     * Sends to a connected device (on a cluster node, also one linked to another node, through that node); false when
     * it is not connected or the send failed.
     */
    boolean send(String deviceId, LinkMessage.FromHub message);

    /** Sends a binary media part (talk) to a connected device; false when it is not connected. */
    boolean sendBinary(String deviceId, ByteBuffer part);

    /** Closes a device's link (the device is gone from the hub); false when it is not connected. */
    boolean disconnect(String deviceId, String reason);
}
