package dev.doorward.hub.shared;

import dev.doorward.protocol.LinkMessage;

/**
 * How a message reaches a doorbell whose link is on another node of a cluster: the device links use it for a doorbell
 * not linked here, the cluster implements it. A single hub has none (nothing is looked up, nothing is made).
 */
public interface DeviceElsewhere {
    /** Sends through the node holding the doorbell's link; false when no node holds it or that node is gone. */
    boolean send(String deviceId, LinkMessage.FromHub message);

    /** Whether another node holds the doorbell's link now (as far as the shared link table knows). */
    boolean linkedElsewhere(String deviceId);
}
