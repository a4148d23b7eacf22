package dev.doorward.hub.cluster;

import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.door.DoorRequests;
import dev.doorward.hub.link.DeviceConnections;
import dev.doorward.hub.link.DeviceLinkFeature;
import dev.doorward.hub.shared.DeviceElsewhere;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.ProtocolException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reaching a doorbell whose link is on another node. Which node holds each doorbell's link is a row of
 * {@code cluster_links}, written when a link is welcomed and deleted when it closes; a node that starts deletes its
 * own (a node killed without closing its links left them). A message for a doorbell not linked here is a question
 * to that node ({@code device-send}, on its own subject): it sends on its link and says whether it could. A node
 * that is gone has no responder: NATS says so at once, the send fails at once and its row goes. A doorbell's answer
 * to a door request made on another node goes back to every node ({@code device-answer}); the one that asked
 * completes its request.
 */
@Component
@Conditional(Clustered.class)
class ClusterDoorbells implements DeviceLinkFeature, DeviceElsewhere {
    private static final Logger log = LoggerFactory.getLogger(ClusterDoorbells.class);
    static final String SEND = "device-send";
    static final String ANSWER = "device-answer";
    /** How long a send through another node may take: a node that is there answers in milliseconds. */
    static final Duration SEND_WITHIN = Duration.ofSeconds(2);

    private final ClusterBus bus;
    private final DeviceConnections connections;
    private final DoorRequests doorRequests;
    private final JdbcClient jdbc;

    ClusterDoorbells(ClusterBus bus, DeviceConnections connections, DoorRequests doorRequests, JdbcClient jdbc) {
        this.bus = bus;
        this.connections = connections;
        this.doorRequests = doorRequests;
        this.jdbc = jdbc;
        // Links this node held before it stopped (or was killed) are closed: it holds none now.
        jdbc.sql("delete from cluster_links where node_name = :node")
                .param("node", bus.nodeName())
                .update();
        bus.answer(SEND, this::sendForAnotherNode);
        bus.on(ANSWER, this::answerFromAnotherNode);
        connections.reachOtherNodesWith(this);
        doorRequests.forwardOthersTo(this::forwardAnswer);
    }

    // ---- where each doorbell's link is

    @Override
    public void online(Device device) {
        connections.linkOpenedAt(device.id()).ifPresent(openedAt -> holdsLink(device.id(), openedAt));
    }

    /** The newer link wins here as in {@link ClusterLinks}: an older welcome arriving late does not take the row. */
    private void holdsLink(String deviceId, long openedAt) {
        jdbc.sql("""
                        insert into cluster_links (device_id, node_name, opened_at) values (:device, :node, :opened)
                        on conflict (device_id) do update set node_name = excluded.node_name,
                            opened_at = excluded.opened_at
                        where cluster_links.opened_at < excluded.opened_at
                           or (cluster_links.opened_at = excluded.opened_at
                               and cluster_links.node_name <= excluded.node_name)
                        """)
                .param("device", deviceId)
                .param("node", bus.nodeName())
                .param("opened", openedAt)
                .update();
    }

    @Override
    public void offline(Device device) {
        jdbc.sql("delete from cluster_links where device_id = :device and node_name = :node")
                .param("device", device.id())
                .param("node", bus.nodeName())
                .update();
    }

    /** Back on NATS after an outage (another node may have given up on this one meanwhile): its links are its own. */
    @EventListener
    void messagingChanged(ClusterMessagingChanged change) {
        if (change.up()) {
            connections.linksOpenedAt().forEach(this::holdsLink);
        }
    }

    @Override
    public boolean linkedElsewhere(String deviceId) {
        return nodeHolding(deviceId)
                .filter(node -> !node.equals(bus.nodeName()))
                .isPresent();
    }

    Optional<String> nodeHolding(String deviceId) {
        return jdbc.sql("select node_name from cluster_links where device_id = :device")
                .param("device", deviceId)
                .query(String.class)
                .optional();
    }

    // ---- sending through the node that holds the link

    @Override
    public boolean send(String deviceId, LinkMessage.FromHub message) {
        if (Relaying.active()) {
            // Set off by another node's news, which every node heard: the node holding the link acts on it itself.
            return false;
        }
        Optional<String> holder = nodeHolding(deviceId).filter(node -> !node.equals(bus.nodeName()));
        if (holder.isEmpty()) {
            return false;
        }
        String node = holder.get();
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("device", deviceId);
        body.put("message", LinkCodec.encode(message));
        ClusterBus.Answer answer = bus.ask(node, SEND, body, SEND_WITHIN);
        if (answer.missing() == ClusterBus.NoAnswer.NO_SUCH_NODE) {
            // The node is gone: its rows claim nothing any more (a doorbell that links again writes its own).
            int forgotten = jdbc.sql("delete from cluster_links where node_name = :node")
                    .param("node", node)
                    .update();
            log.warn("Node {} is gone; {} doorbell link(s) it held are forgotten", node, forgotten);
            return false;
        }
        return answer.body().map(b -> b.path("sent").asBoolean(false)).orElse(false);
    }

    /** Another node's message for a doorbell: sent on this node's own link only, never passed on again. */
    private JsonNode sendForAnotherNode(JsonNode body) {
        String deviceId = body.path("device").asString("");
        boolean sent;
        try {
            LinkMessage.FromHub message =
                    LinkCodec.decodeFromHub(body.path("message").asString(""));
            sent = !deviceId.isEmpty() && connections.sendHere(deviceId, message);
        } catch (ProtocolException e) {
            sent = false;
        }
        return JsonNodeFactory.instance.objectNode().put("sent", sent);
    }

    // ---- answers to requests made on other nodes

    private void forwardAnswer(String deviceId, String requestId, LinkMessage.FromDevice answer) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("device", deviceId);
        body.put("request", requestId);
        body.put("message", LinkCodec.encode(answer));
        bus.publish(ANSWER, body);
    }

    private void answerFromAnotherNode(JsonNode body) {
        String deviceId = body.path("device").asString("");
        String requestId = body.path("request").asString("");
        try {
            LinkMessage.FromDevice answer =
                    LinkCodec.decodeFromDevice(body.path("message").asString(""));
            if (answer instanceof LinkMessage.DoorNonce || answer instanceof LinkMessage.DoorResult) {
                doorRequests.answered(deviceId, requestId, answer);
            }
        } catch (ProtocolException e) {
            throw new IllegalArgumentException("a device answer that does not decode");
        }
    }
}
