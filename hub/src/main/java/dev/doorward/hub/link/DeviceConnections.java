package dev.doorward.hub.link;

import dev.doorward.hub.link.transport.LinkSocket;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.hub.shared.DeviceElsewhere;
import dev.doorward.protocol.LinkMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** Which owned devices are connected right now, and their link sessions. One session per device. */
@Component
public class DeviceConnections implements DeviceChannel {
    private final Map<String, LinkSession> byDevice = new ConcurrentHashMap<>();
    private final LinkTaps taps;
    /** A cluster node's way to doorbells linked to other nodes; null on a single hub. */
    private volatile DeviceElsewhere elsewhere;

    DeviceConnections(LinkTaps taps) {
        this.taps = taps;
    }

    /** Registers a device's session and returns the one it replaces, if any. */
    Optional<LinkSession> put(String deviceId, LinkSession session) {
        return Optional.ofNullable(byDevice.put(deviceId, session));
    }

    /** Removes the session only if it is still the device's current one. */
    boolean remove(String deviceId, LinkSession session) {
        return byDevice.remove(deviceId, session);
    }

    @Override
    public boolean isOnline(String deviceId) {
        return byDevice.containsKey(deviceId);
    }

    @Override
    public boolean isOnlineAnywhere(String deviceId) {
        if (byDevice.containsKey(deviceId)) {
            return true;
        }
        DeviceElsewhere route = elsewhere;
        return route != null && route.linkedElsewhere(deviceId);
    }

    @Override
    public int count() {
        return byDevice.size();
    }

    /** Set once by a cluster node: a doorbell not linked here is reached through the node that holds its link. */
    public void reachOtherNodesWith(DeviceElsewhere route) {
        this.elsewhere = route;
    }

    /**
     * Sends to a connected device, here or (on a cluster node) through the node holding its link; false when it is
     * not connected or the send failed.
     */
    @Override
    public boolean send(String deviceId, LinkMessage.FromHub message) {
        LinkSession session = byDevice.get(deviceId);
        if (session == null) {
            DeviceElsewhere route = elsewhere;
            return route != null && route.send(deviceId, message);
        }
        return send(session, message);
    }

    /** Sends on this node's own link of the device only (what another node asked for); false when there is none. */
    public boolean sendHere(String deviceId, LinkMessage.FromHub message) {
        LinkSession session = byDevice.get(deviceId);
        return session != null && send(session, message);
    }

    private static boolean send(LinkSession session, LinkMessage.FromHub message) {
        try {
            session.send(message);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Sends a binary media part (talk) to a connected device; false when it is not connected. */
    @Override
    public boolean sendBinary(String deviceId, java.nio.ByteBuffer part) {
        LinkSession session = byDevice.get(deviceId);
        if (session == null) {
            return false;
        }
        try {
            taps.seenBinary(LinkTaps.Direction.TO_DEVICE, part);
            session.socket.sendBinary(part);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Closes a device's link, as a replaced connection is closed (the device is gone from the hub: its household
     * was deleted). The link handler then sees it go offline; its certificate is refused when it reconnects.
     */
    @Override
    public boolean disconnect(String deviceId, String reason) {
        LinkSession session = byDevice.get(deviceId);
        if (session == null) {
            return false;
        }
        session.close(LinkSocket.CloseReason.POLICY_VIOLATION.withReason(reason));
        return true;
    }

    /** The doorbells linked to this node now, with when each link was opened (epoch millis). */
    public Map<String, Long> linksOpenedAt() {
        Map<String, Long> opened = new java.util.HashMap<>();
        byDevice.forEach((device, session) -> opened.put(device, session.openedMillis));
        return opened;
    }

    /** When the device's link to this node was opened (epoch millis), if it has one here. */
    public Optional<Long> linkOpenedAt(String deviceId) {
        return Optional.ofNullable(byDevice.get(deviceId)).map(session -> session.openedMillis);
    }

    /**
     * Closes the device's link to this node because a newer one was welcomed on another cluster node: one link per
     * doorbell cluster-wide. Only the link opened at {@code openedAt} goes (not one that replaced it meanwhile), and
     * it goes as a replaced link does: taken out first, so the doorbell is not reported offline.
     */
    public boolean retire(String deviceId, long openedAt) {
        LinkSession session = byDevice.get(deviceId);
        if (session == null || session.openedMillis != openedAt || !byDevice.remove(deviceId, session)) {
            return false;
        }
        session.close(LinkSocket.CloseReason.POLICY_VIOLATION.withReason("replaced by a newer connection"));
        return true;
    }

    /**
     * Where a connected doorbell's link comes from: its own address, also through a trusted load balancer (PROXY
     * protocol v2, docs/cluster.md). For an operator's diagnosis; never shown to members (their doorbell's address is
     * none of the internet's business, F2).
     */
    public Optional<InetSocketAddress> linkedFrom(String deviceId) {
        return Optional.ofNullable(byDevice.get(deviceId)).map(s -> s.socket.clientAddress());
    }

    Optional<LinkSession> session(String deviceId) {
        return Optional.ofNullable(byDevice.get(deviceId));
    }
}
