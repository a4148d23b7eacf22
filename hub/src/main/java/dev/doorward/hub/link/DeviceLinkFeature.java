package dev.doorward.hub.link;

import dev.doorward.hub.device.Devices.Device;
import dev.doorward.protocol.LinkMessage;
import java.io.IOException;
import java.util.Set;

/**
 * A feature's part in the device links. The link checks who a doorbell is, decodes and rate-limits its messages and
 * routes each message type of a welcomed, owned doorbell to the one feature that {@linkplain #handles handles} it, in
 * order, on that link's thread; it tells every feature when a doorbell comes and goes. So the link depends on no
 * feature, and each feature keeps its own messages.
 */
public interface DeviceLinkFeature {
    /** The message types from owned doorbells this feature handles (no two features handle the same type). */
    default Set<Class<? extends LinkMessage.FromDevice>> handles() {
        return Set.of();
    }

    /** A message of one of the types this feature handles, from a welcomed, owned doorbell. */
    default void message(DeviceLink link, LinkMessage.FromDevice message) throws IOException {}

    /**
     * A message of one of the types this feature handles, from a welcomed, owned doorbell, seen as soon as it
     * arrived — ahead of whatever the link has queued (an upload waiting for the database) — on a thread of its
     * own; {@link #message} follows for the same message, in order. Offered only for someone at the door (a ring
     * or motion event), within {@code RateLimit.DEVICE_ARRIVALS}. Must not need the database.
     */
    default void arrived(DeviceLink link, LinkMessage.FromDevice message) {}

    /**
     * The same for a ring or motion event with nothing of its link queued before it (the usual case), on the network
     * thread that read it: one hand-off less between the button and the screen. It must not block, wait or read
     * anything but memory; what it cannot do so it leaves to {@link #message}, which follows as always.
     */
    default void arrivedOnNetworkThread(DeviceLink link, LinkMessage.FromDevice message) {}

    /** A message of one of this feature's types was refused for the doorbell's rate before it got here. */
    default void refusedForRate(DeviceLink link, LinkMessage.FromDevice message) {}

    /** An owned doorbell was welcomed: it is online. */
    default void online(Device device) {}

    /** An owned doorbell's current link closed: it is offline. */
    default void offline(Device device) {}

    /** A link closed, whoever it was. */
    default void linkClosed(String linkId) {}
}
