package dev.doorward.hub.cluster;

import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.link.DeviceConnections;
import dev.doorward.hub.link.DeviceLinkFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Conditional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * One link per doorbell, cluster-wide. When a doorbell's link is welcomed here, the other nodes hear when it was
 * opened; a node holding an older link of that doorbell closes it (as a replaced link: the doorbell is not reported
 * offline). The newer link wins; for two opened in the same millisecond, the one on the node whose name sorts last.
 */
@Component
@Conditional(Clustered.class)
class ClusterLinks implements DeviceLinkFeature {
    private static final Logger log = LoggerFactory.getLogger(ClusterLinks.class);
    static final String KIND = "link-welcomed";

    private final ClusterBus bus;
    private final DeviceConnections connections;

    ClusterLinks(ClusterBus bus, DeviceConnections connections) {
        this.bus = bus;
        this.connections = connections;
        bus.on(KIND, this::welcomedElsewhere);
    }

    @Override
    public void online(Device device) {
        connections
                .linkOpenedAt(device.id())
                .ifPresent(openedAt -> bus.publish(
                        KIND,
                        JsonNodeFactory.instance
                                .objectNode()
                                .put("device", device.id())
                                .put("openedAt", openedAt)
                                .put("node", bus.nodeName())));
    }

    private void welcomedElsewhere(JsonNode body) {
        String device = body.path("device").asString("");
        String node = body.path("node").asString("");
        JsonNode opened = body.path("openedAt");
        if (device.isEmpty() || node.isEmpty() || !opened.isIntegralNumber()) {
            throw new IllegalArgumentException("a link message without its device, node or time");
        }
        long theirs = opened.asLong();
        connections.linkOpenedAt(device).ifPresent(ours -> {
            boolean theirsIsNewer = theirs > ours || (theirs == ours && node.compareTo(bus.nodeName()) > 0);
            if (theirsIsNewer && connections.retire(device, ours)) {
                log.info("Closed a doorbell's older link: it is connected to node {} now", node);
            }
        });
    }
}
