package dev.doorward.hub.cluster;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.link.DeviceLinkFeature;
import dev.doorward.hub.live.LiveViews;
import dev.doorward.hub.live.RemoteLive;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.protocol.MediaPart;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Conditional;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Live view and talk when a browser's node is not the node holding the doorbell's link (docs/cluster-messages.md
 * "Live view across nodes").
 *
 * <p>The watching node decides access exactly as for a local doorbell ({@link LiveViews}), then says to every node
 * "I have n viewers of D" ({@code live-wanted}, renewed every 2 s while n > 0, a lease of 6 s). Every node keeps
 * those wants, so whichever node holds D's link, now or after the doorbell moves, feeds it: it adds a feed to D's
 * sinks (D's parts go out once, on D's own NATS subject, in the order the link gave them), counts the remote viewers
 * into what the doorbell hears (a growing count makes it re-send its GOP: a keyframe for the new viewer), listens for
 * talk on D's talk subject, and answers {@code live-state}. When the wants end or expire (the watching node left or
 * died) it stops; the doorbell stops streaming when nobody anywhere watches.
 *
 * <p>Control messages go on the bus, authenticated. Media parts and talk go on per-doorbell subjects as they are,
 * with no per-part envelope: SFrame seals them end to end, and only a holder of the join secret can use NATS at all.
 *
 * <p>One class: the wants, the feeds and the talk relay share the per-doorbell wants (leases), and the protocol is
 * easiest to check against docs/cluster-messages.md with both its ends in one file.
 */
@Component
@Conditional(Clustered.class)
class ClusterLive implements RemoteLive, DeviceLinkFeature {
    private static final Logger log = LoggerFactory.getLogger(ClusterLive.class);
    static final String WANTED = "live-wanted";
    static final String STATE = "live-state";
    /**
     * First byte of the one message on a doorbell's parts subject that is not a part (no part kind has it): a new
     * media key of the doorbell is stored, for the browser whose client id follows. In band, so that the parts
     * sealed under that key, published after it, cannot reach a watching node's viewers before it.
     */
    static final byte KEY_STORED = 0x7f;
    /** A watching node renews its want this often... */
    static final long RENEW_MS = 2_000;
    /** ...and the holding node forgets it after this long without one (the watching node died or lost NATS). */
    static final long LEASE_MS = 6_000;
    /** No node answered a first want within this: nobody holds the doorbell's link; its viewers hear "offline". */
    static final long FIRST_ANSWER_MS = 1_500;

    private static final int MAX_VIEWERS = 100_000;

    private final ClusterBus bus;
    private final LiveViews views;
    private final DeviceChannel connections;
    private final Clock clock;

    // All state below is guarded by this object; none of it is touched per part.
    /** Doorbells browsers here watch while their link is elsewhere. */
    private final Map<String, Wanting> wanting = new HashMap<>();
    /** Every node's wants (not only for doorbells linked here: a doorbell may be linked here later). */
    private final Map<String, Map<String, Want>> wants = new HashMap<>();
    /** Doorbells linked here and fed to other nodes: their talk subscription. */
    private final Map<String, Subscription> feeding = new HashMap<>();

    private Dispatcher dispatcher;

    private final AtomicLong partsSent = new AtomicLong();
    private final AtomicLong partsUnsent = new AtomicLong();
    private final AtomicLong partsReceived = new AtomicLong();
    private final AtomicLong partsRefused = new AtomicLong();
    private final AtomicLong talkForwarded = new AtomicLong();

    private static final class Wanting {
        int viewers;
        long sentAt;
        /** When the holding node last answered (or when this started). */
        long answeredAt;
        /** Which node last said it holds the link; null when none. */
        String holder;
        /** What the viewers here were last told: null before the first answer. */
        Boolean online;

        Subscription parts;
    }

    private record Want(int viewers, long until) {}

    ClusterLive(ClusterBus bus, LiveViews views, DeviceChannel connections, Clock clock) {
        this.bus = bus;
        this.views = views;
        this.connections = connections;
        this.clock = clock;
        bus.on(WANTED, this::wantedElsewhere);
        bus.on(STATE, this::stateElsewhere);
        views.useRemote(this);
    }

    static String partsSubject(String deviceId) {
        return "doorward.live." + deviceId + ".parts";
    }

    static String talkSubject(String deviceId) {
        return "doorward.live." + deviceId + ".talk";
    }

    // ---- the watching node

    @Override
    public synchronized void viewersChanged(String deviceId, int viewersHere) {
        if (viewersHere == 0 || connections.isOnline(deviceId)) {
            // Nobody watches here any more, or the doorbell is linked here: the local path serves it.
            stopWanting(deviceId);
            return;
        }
        long now = clock.millis();
        Wanting wanted = wanting.computeIfAbsent(deviceId, k -> {
            Wanting w = new Wanting();
            w.answeredAt = now;
            return w;
        });
        int before = wanted.viewers;
        wanted.viewers = viewersHere;
        subscribeParts(deviceId, wanted);
        if (viewersHere != before) {
            // At once: a growing count is also the new viewer's keyframe request.
            sendWant(deviceId, wanted, now);
        }
        if (viewersHere > before && wanted.online != null) {
            // A new viewer hears what the others were told.
            views.stateFromOtherNode(deviceId, wanted.online);
        }
    }

    @Override
    public void talk(String deviceId, ByteBuffer part) {
        Connection connection = bus.connectionOrNull();
        if (connection == null || !bus.up()) {
            return;
        }
        byte[] data = new byte[part.remaining()];
        part.duplicate().get(data);
        try {
            connection.publish(talkSubject(deviceId), data);
        } catch (RuntimeException e) {
            log.debug("A talk part was not sent: {}", e.toString());
        }
    }

    private void subscribeParts(String deviceId, Wanting wanted) {
        if (wanted.parts == null) {
            Dispatcher live = dispatcher();
            if (live != null) {
                wanted.parts = live.subscribe(partsSubject(deviceId), message -> partArrived(deviceId, message));
            }
        }
    }

    /** On the live dispatcher's one thread, in the order the holding node published. */
    private void partArrived(String deviceId, Message message) {
        byte[] data = message.getData();
        if (data.length > 0 && data[0] == KEY_STORED) {
            keyStoredElsewhere(deviceId, data);
            return;
        }
        try {
            views.partFromOtherNode(deviceId, data);
            partsReceived.incrementAndGet();
        } catch (IllegalArgumentException e) {
            partsRefused.incrementAndGet();
        }
    }

    private void sendWant(String deviceId, Wanting wanted, long now) {
        wanted.sentAt = now;
        bus.publish(
                WANTED,
                JsonNodeFactory.instance
                        .objectNode()
                        .put("device", deviceId)
                        .put("node", bus.nodeName())
                        .put("viewers", wanted.viewers));
    }

    private void stopWanting(String deviceId) {
        Wanting wanted = wanting.remove(deviceId);
        if (wanted == null) {
            return;
        }
        unsubscribe(wanted.parts);
        wanted.viewers = 0;
        sendWant(deviceId, wanted, clock.millis());
    }

    private synchronized void stateElsewhere(JsonNode body) {
        String deviceId = deviceId(body);
        String node = text(body, "node");
        JsonNode online = body.path("online");
        if (!online.isBoolean()) {
            throw new IllegalArgumentException("a live state without online");
        }
        Wanting wanted = wanting.get(deviceId);
        if (wanted == null) {
            return;
        }
        if (online.asBoolean()) {
            wanted.holder = node;
            wanted.answeredAt = clock.millis();
            tell(deviceId, wanted, true);
        } else if (wanted.holder == null || wanted.holder.equals(node)) {
            // An older holder's "offline" after the link moved on is not news.
            wanted.holder = null;
            tell(deviceId, wanted, false);
        }
    }

    private void tell(String deviceId, Wanting wanted, boolean online) {
        if (!Boolean.valueOf(online).equals(wanted.online)) {
            wanted.online = online;
            views.stateFromOtherNode(deviceId, online);
            if (online) {
                // Keys it stores from now on come in band; one stored just before its feed began is in the database.
                // Read there on a virtual thread: not while holding what watch requests wait for.
                Thread.ofVirtual().name("doorward-live-keys").start(() -> {
                    try {
                        views.keysStoredBeforeTheFeed(deviceId);
                    } catch (RuntimeException e) {
                        log.warn("Keys of a doorbell fed from another node could not be read: {}", e.toString());
                    }
                });
            }
        }
    }

    /**
     * On the live dispatcher's thread, in order with the parts: the viewers here hold the parts that follow until the
     * key was read from the database and handed on, on a virtual thread (not on this one, which carries every
     * doorbell's parts to this node).
     */
    private void keyStoredElsewhere(String deviceId, byte[] data) {
        String clientId = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
        if (!RandomIds.isWellFormedId(clientId)) {
            partsRefused.incrementAndGet();
            return;
        }
        Runnable release = views.holdForKeyFromOtherNode(deviceId);
        Thread.ofVirtual().name("doorward-live-key").start(() -> {
            try {
                views.keyFromOtherNode(deviceId, clientId);
            } catch (RuntimeException e) {
                log.warn("A media key stored on another node could not be handed on: {}", e.toString());
            } finally {
                release.run();
            }
        });
    }

    // ---- the node holding the link

    @Override
    public Publisher publisher(String deviceId) {
        String subject = partsSubject(deviceId);
        return new Publisher() {
            @Override
            public void publish(ByteBuffer part) {
                Connection connection = bus.connectionOrNull();
                if (connection == null || !bus.up()) {
                    partsUnsent.incrementAndGet();
                    return;
                }
                byte[] data = new byte[part.remaining()];
                part.duplicate().get(data);
                try {
                    connection.publish(subject, data);
                    partsSent.incrementAndGet();
                } catch (RuntimeException e) {
                    partsUnsent.incrementAndGet();
                }
            }

            @Override
            public long backlogBytes() {
                Connection connection = bus.connectionOrNull();
                return connection == null ? 0 : connection.outgoingPendingBytes();
            }
        };
    }

    @Override
    public void keyStored(String deviceId, String clientId) {
        Connection connection = bus.connectionOrNull();
        if (connection == null || !bus.up()) {
            return; // the watching nodes' viewers get the key with their next watch
        }
        byte[] client = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[1 + client.length];
        data[0] = KEY_STORED;
        System.arraycopy(client, 0, data, 1, client.length);
        try {
            connection.publish(partsSubject(deviceId), data);
        } catch (RuntimeException e) {
            log.debug("A stored media key was not announced: {}", e.toString());
        }
    }

    private synchronized void wantedElsewhere(JsonNode body) {
        String deviceId = deviceId(body);
        String node = text(body, "node");
        JsonNode count = body.path("viewers");
        if (!count.isIntegralNumber() || count.asInt() < 0 || count.asInt() > MAX_VIEWERS) {
            throw new IllegalArgumentException("a live want without a viewer count");
        }
        int viewers = count.asInt();
        Map<String, Want> ofDevice = wants.computeIfAbsent(deviceId, k -> new HashMap<>());
        if (viewers == 0) {
            ofDevice.remove(node);
        } else {
            ofDevice.put(node, new Want(viewers, clock.millis() + LEASE_MS));
        }
        if (ofDevice.isEmpty()) {
            wants.remove(deviceId);
        }
        refeed(deviceId);
        if (viewers > 0 && connections.isOnline(deviceId)) {
            // Also the answer to each renewal: the watching node knows this node still holds the link.
            answer(deviceId, true);
        }
    }

    /** Feeds a doorbell linked here to other nodes exactly while some want it; says "offline" when it went. */
    private void refeed(String deviceId) {
        int total = 0;
        for (Want want : wants.getOrDefault(deviceId, Map.of()).values()) {
            total += want.viewers();
        }
        boolean linkedHere = connections.isOnline(deviceId);
        if (linkedHere && total > 0) {
            if (!feeding.containsKey(deviceId)) {
                Dispatcher live = dispatcher();
                if (live == null) {
                    return;
                }
                feeding.put(deviceId, live.subscribe(talkSubject(deviceId), message -> talkArrived(deviceId, message)));
            }
            views.feedOtherNodes(deviceId, total);
        } else {
            Subscription talk = feeding.remove(deviceId);
            if (talk != null) {
                unsubscribe(talk);
                views.feedOtherNodes(deviceId, 0);
                if (!linkedHere && total > 0) {
                    answer(deviceId, false);
                }
            }
        }
    }

    /** Talk from a browser on another node: only talk, as the watching node already checked, to the doorbell. */
    private void talkArrived(String deviceId, Message message) {
        byte[] data = message.getData();
        try {
            if (MediaPart.decode(ByteBuffer.wrap(data)).kind() != MediaPart.Kind.TALK) {
                partsRefused.incrementAndGet();
                return;
            }
        } catch (IllegalArgumentException e) {
            partsRefused.incrementAndGet();
            return;
        }
        if (connections.sendBinary(deviceId, ByteBuffer.wrap(data))) {
            talkForwarded.incrementAndGet();
        }
    }

    private void answer(String deviceId, boolean online) {
        bus.publish(
                STATE,
                JsonNodeFactory.instance
                        .objectNode()
                        .put("device", deviceId)
                        .put("node", bus.nodeName())
                        .put("online", online));
    }

    @Override
    public synchronized void online(Device device) {
        String deviceId = device.id();
        // Linked here now: viewers here are served locally (LiveViews does that), viewers elsewhere from here.
        stopWanting(deviceId);
        refeed(deviceId);
        if (feeding.containsKey(deviceId)) {
            answer(deviceId, true);
        }
    }

    @Override
    public synchronized void offline(Device device) {
        refeed(device.id());
    }

    // ---- both: renewals, leases, and what was missed (NATS was down, a link was retired without "offline")

    @Scheduled(fixedDelay = 1_000)
    synchronized void renew() {
        long now = clock.millis();
        Map<String, Integer> here = views.watchedHere();
        for (String deviceId : Set.copyOf(wanting.keySet())) {
            if (!here.containsKey(deviceId)) {
                stopWanting(deviceId);
            }
        }
        here.forEach((deviceId, count) -> {
            if (connections.isOnline(deviceId)) {
                stopWanting(deviceId);
                return;
            }
            Wanting wanted = wanting.get(deviceId);
            if (wanted == null || wanted.viewers != count) {
                viewersChanged(deviceId, count);
                wanted = wanting.get(deviceId);
            }
            subscribeParts(deviceId, wanted);
            if (now - wanted.sentAt >= RENEW_MS) {
                sendWant(deviceId, wanted, now);
            }
            long silence = now - wanted.answeredAt;
            if (silence > (wanted.online == null ? FIRST_ANSWER_MS : LEASE_MS)) {
                // Nobody holds the link, or its node stopped answering.
                wanted.holder = null;
                tell(deviceId, wanted, false);
            }
        });
        Set<String> devices = new HashSet<>(wants.keySet());
        devices.addAll(feeding.keySet());
        for (String deviceId : devices) {
            Map<String, Want> ofDevice = wants.get(deviceId);
            if (ofDevice != null) {
                ofDevice.values().removeIf(want -> want.until() < now);
                if (ofDevice.isEmpty()) {
                    wants.remove(deviceId);
                }
            }
            refeed(deviceId);
        }
    }

    private void unsubscribe(Subscription subscription) {
        if (subscription != null && dispatcher != null) {
            try {
                dispatcher.unsubscribe(subscription);
            } catch (IllegalStateException e) {
                // The node is stopping: its connection, and every subscription, is closed already.
            }
        }
    }

    private Dispatcher dispatcher() {
        if (dispatcher == null) {
            Connection connection = bus.connectionOrNull();
            if (connection != null) {
                // Its own thread: live parts never wait behind the bus's messages (an access reload reads the
                // database), nor the other way round.
                dispatcher = connection.createDispatcher();
            }
        }
        return dispatcher;
    }

    // ---- for tests

    long partsSent() {
        return partsSent.get();
    }

    long partsReceived() {
        return partsReceived.get();
    }

    long talkForwarded() {
        return talkForwarded.get();
    }

    long partsRefused() {
        return partsRefused.get();
    }

    private static String deviceId(JsonNode body) {
        String deviceId = text(body, "device");
        // It becomes part of a NATS subject: only a well-formed id.
        if (!RandomIds.isWellFormedId(deviceId)) {
            throw new IllegalArgumentException("a live message with a malformed device");
        }
        return deviceId;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.path(field);
        if (!value.isString() || value.asString().isEmpty()) {
            throw new IllegalArgumentException("a live message without its " + field);
        }
        return value.asString();
    }
}
