package dev.doorward.hub.live;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.client.MemberClients;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.link.DeviceLink;
import dev.doorward.hub.link.DeviceLinkFeature;
import dev.doorward.hub.link.DeviceMediaParts;
import dev.doorward.hub.link.transport.LinkEndpoint;
import dev.doorward.hub.link.transport.LinkSocket;
import dev.doorward.hub.live.MediaKeys.Envelope;
import dev.doorward.hub.liveport.BrowserAdmission;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.hub.shared.EndedSessions;
import dev.doorward.hub.shared.MemberRemoved;
import dev.doorward.hub.shared.SessionEnded;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;
import org.springframework.web.socket.server.support.HttpSessionHandshakeInterceptor;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Live view and talk for browsers ({@code /api/live}, docs/media.md): a browser says which doorbell it wants
 * to watch; if its account belongs to that doorbell's household it gets its own media key envelope and the
 * doorbell's sealed parts as they arrive, and may send sealed talk parts back. The hub never holds a key that
 * opens any of it. A view ends within seconds of the member's removal.
 *
 * <p>One class: each browser socket's view (access, key envelope, talk) and the fan-out of the doorbell's parts to
 * those views live together, so the frame path stays a lookup and a send with no layer between.
 */
@Component
public class LiveViews extends AbstractWebSocketHandler
        implements DeviceLinkFeature, DeviceMediaParts.Live, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(LiveViews.class);
    static final CloseStatus ENDED = new CloseStatus(4000, "live view ended");
    /** 50 talk parts a second is 20 ms audio frames; a little more for jitter. */
    static final int TALK_PARTS_PER_SECOND = 80;

    private static final int MAX_CONTROL_CHARS = 512;

    private final Devices devices;
    private final Households households;
    private final MemberClients clients;
    private final MediaKeys keys;
    private final DeviceChannel connections;
    private final AuditLog audit;
    private final RateLimiter limiter;
    private final Clock clock;
    private final MemberAccess access;
    private final EndedSessions endedSessions;
    private final JsonMapper json = JsonMapper.builder().build();

    private final Map<String, Viewer> bySocket = new ConcurrentHashMap<>();
    /** Who takes each doorbell's parts here: its viewers here and, in a cluster, the feed to other nodes. */
    private final Map<String, Set<LiveSink>> byDevice = new ConcurrentHashMap<>();
    /** Doorbells linked here that browsers on other nodes watch (a cluster only). */
    private final Map<String, RemoteFeed> feeds = new ConcurrentHashMap<>();
    /** The cluster's side of live view; null in a single hub, which then does nothing more for it. */
    private volatile RemoteLive remote;

    LiveViews(
            Devices devices,
            Households households,
            MemberClients clients,
            MediaKeys keys,
            DeviceChannel connections,
            AuditLog audit,
            RateLimiter limiter,
            MemberAccess access,
            EndedSessions endedSessions,
            Clock clock) {
        this.access = access;
        this.endedSessions = endedSessions;
        this.devices = devices;
        this.households = households;
        this.clients = clients;
        this.keys = keys;
        this.connections = connections;
        this.audit = audit;
        this.limiter = limiter;
        this.clock = clock;
    }

    // ---- browsers on the browser port (Tomcat): the fallback when the live port cannot be reached

    private volatile boolean running;

    @Override
    public void start() {
        running = true;
    }

    /**
     * An orderly stop closes the browser port's live views with "going away" (1001) before the web server stops
     * (the live port's own server does the same for its views), waiting briefly for the close frames to go out.
     */
    @Override
    public void stop() {
        running = false;
        List<TomcatViewerSocket> closing = new ArrayList<>();
        for (Viewer viewer : bySocket.values()) {
            if (viewer.socket instanceof TomcatViewerSocket tomcat) {
                tomcat.close(CloseStatus.GOING_AWAY.getCode(), "the hub is stopping");
                closing.add(tomcat);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (TomcatViewerSocket socket : closing) {
            socket.awaitClosed(deadline);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession socket) throws Exception {
        if (!(socket.getPrincipal() instanceof Authentication auth)
                || !(auth.getPrincipal() instanceof SignedInAccount account)) {
            socket.close(CloseStatus.POLICY_VIOLATION);
            return;
        }
        String sessionId =
                (String) socket.getAttributes().get(HttpSessionHandshakeInterceptor.HTTP_SESSION_ID_ATTR_NAME);
        if (sessionId == null) {
            socket.close(CloseStatus.POLICY_VIOLATION);
            return;
        }
        opened(new TomcatViewerSocket(socket), account.id(), account.getUsername(), sessionId);
    }

    @Override
    protected void handleTextMessage(WebSocketSession socket, TextMessage message) {
        text(socket.getId(), message.getPayload());
    }

    @Override
    protected void handleBinaryMessage(WebSocketSession socket, BinaryMessage message) {
        talk(socket.getId(), message.getPayload());
    }

    @Override
    public void afterConnectionClosed(WebSocketSession socket, CloseStatus status) {
        Viewer viewer = bySocket.get(socket.getId());
        if (viewer != null && viewer.socket instanceof TomcatViewerSocket tomcat) {
            tomcat.closed();
        }
        closed(socket.getId());
    }

    // ---- browsers on the live port

    /** What the live port's server calls for each browser socket (messages run off the network threads). */
    public LinkEndpoint livePortEndpoint() {
        return new LinkEndpoint() {
            @Override
            public void opened(LinkSocket socket, X509Certificate[] chain) {
                BrowserAdmission.of(socket)
                        .ifPresent(who -> LiveViews.this.opened(
                                new LivePortViewerSocket(socket), who.accountId(), who.username(), who.sessionId()));
            }

            @Override
            public void text(LinkSocket socket, String text) {
                LiveViews.this.text(LivePortViewerSocket.idOf(socket), text);
            }

            @Override
            public void binary(LinkSocket socket, ByteBuffer message) {
                talk(LivePortViewerSocket.idOf(socket), message);
            }

            @Override
            public void closed(LinkSocket socket) {
                LiveViews.this.closed(LivePortViewerSocket.idOf(socket));
            }
        };
    }

    // ---- browsers, whichever server carries them

    private void opened(ViewerSocket socket, String accountId, String username, String sessionId) {
        Viewer viewer = new Viewer(socket, accountId, username, sessionId);
        bySocket.put(socket.id(), viewer);
        // Kept first, checked second, where a session's end marks first and ends what is kept second: a view admitted
        // in the instant its session ended does not outlive it.
        if (endedSessions.hasEnded(sessionId)) {
            end(viewer, "signed out");
        }
    }

    private void text(String socketId, String message) {
        Viewer viewer = bySocket.get(socketId);
        if (viewer == null) {
            return;
        }
        if (viewer.watch != null) {
            end(viewer, "one watch request per connection");
            return;
        }
        if (message.length() > MAX_CONTROL_CHARS) {
            end(viewer, "watch request too long");
            return;
        }
        String deviceId;
        String clientId;
        try {
            JsonNode request = json.readTree(message);
            if (!"watch".equals(request.path("type").asString(""))) {
                end(viewer, "say which doorbell to watch");
                return;
            }
            deviceId = request.path("deviceId").asString("");
            clientId = request.path("clientId").asString("");
        } catch (JacksonException e) {
            end(viewer, "not JSON");
            return;
        }
        if (!limiter.tryAcquire(RateLimit.LIVE_VIEWS, viewer.accountId).allowed()) {
            end(viewer, "too many live views, try again in a minute");
            return;
        }
        // Unknown and forbidden doorbells get the same answer.
        Optional<Device> device = RandomIds.isWellFormedId(deviceId) ? devices.byId(deviceId) : Optional.empty();
        if (device.isEmpty()
                || households
                        .roleOf(viewer.accountId, device.get().householdId())
                        .isEmpty()
                || !access.allows(
                        viewer.accountId,
                        device.get().householdId(),
                        device.get().id())) {
            end(viewer, "not found");
            return;
        }
        if (!clientId.isEmpty()
                && clients.ofAccount(viewer.accountId).stream().noneMatch(c -> c.id().equals(clientId))) {
            end(viewer, "not found");
            return;
        }
        Device watched = device.get();
        viewer.watch = new Viewer.Watch(
                watched.id(), watched.householdId(), watched.name(), clientId.isEmpty() ? null : clientId);
        // Allowed: the doorbell is asked for its GOP now (it re-sends it whenever its count grows, so this viewer
        // starts at a keyframe), and what it sends is held while the view is recorded and keyed (Viewer#hold).
        viewer.hold();
        byDevice.computeIfAbsent(watched.id(), k -> ConcurrentHashMap.newKeySet())
                .add(viewer);
        tellDoorbellItsViewers(watched.id());
        List<Envelope> envelopes;
        try {
            audit.record(
                    watched.householdId(),
                    "account:" + viewer.accountId,
                    "live-view",
                    viewer.username + " opened the live view of " + watched.name());
            envelopes = viewer.watch.clientIdOrNull() == null
                    ? keys.ofAccount(watched.id(), viewer.accountId)
                    : keys.of(watched.id(), viewer.watch.clientIdOrNull()).stream()
                            .toList();
        } catch (RuntimeException e) {
            // No view the security log does not show, and none held for ever without its key: nothing was sent.
            log.warn(
                    "A live view could not be recorded or keyed and was ended: {}",
                    e.getClass().getSimpleName());
            end(viewer, "the hub could not start this view, try again");
            return;
        }
        envelopes.forEach(envelope -> viewer.text(keyMessage(envelope)));
        viewer.keyed = !envelopes.isEmpty();
        boolean online = connections.isOnline(watched.id());
        RemoteLive cluster = remote;
        // Linked on another node (or nowhere): the cluster side says "live" once the node holding the link answers.
        boolean elsewhere = !online && cluster != null;
        if (envelopes.isEmpty()) {
            viewer.text(state("not-in-roster", "This browser is not approved for this doorbell yet"));
        } else if (!elsewhere) {
            viewer.text(state(online ? "live" : "device-offline", null));
        }
        viewer.release();
        if (cluster != null) {
            cluster.viewersChanged(watched.id(), viewerCount(watched.id()));
        }
    }

    /** A binary message from a browser: only talk, sealed, forwarded to the doorbell it watches. */
    private void talk(String socketId, ByteBuffer payload) {
        Viewer viewer = bySocket.get(socketId);
        if (viewer == null || viewer.watch == null) {
            return;
        }
        MediaPart part;
        try {
            part = MediaPart.decode(payload);
        } catch (IllegalArgumentException e) {
            end(viewer, "malformed media part");
            return;
        }
        if (part.kind() != MediaPart.Kind.TALK) {
            end(viewer, "a browser may only send talk");
            return;
        }
        if (!viewer.allowTalk(clock.millis(), TALK_PARTS_PER_SECOND)) {
            return;
        }
        ByteBuffer copy = ByteBuffer.allocate(payload.remaining())
                .put(payload.duplicate())
                .flip();
        if (!connections.sendBinary(viewer.watch.deviceId(), copy)) {
            RemoteLive cluster = remote;
            if (cluster != null) {
                cluster.talk(viewer.watch.deviceId(), copy);
            }
        }
    }

    private void closed(String socketId) {
        Viewer viewer = bySocket.remove(socketId);
        if (viewer == null) {
            return;
        }
        viewer.socketClosed();
        Viewer.Watch watch = viewer.watch;
        if (watch != null) {
            Set<LiveSink> set = byDevice.get(watch.deviceId());
            if (set != null && set.remove(viewer)) {
                tellDoorbellItsViewers(watch.deviceId());
                RemoteLive cluster = remote;
                if (cluster != null) {
                    cluster.viewersChanged(watch.deviceId(), viewerCount(watch.deviceId()));
                }
            }
        }
    }

    // ---- doorbells (called by the device link)

    /** A live part from a doorbell (decoded once, by the link): forwarded as it is to everyone watching. */
    @Override
    public void part(String deviceId, MediaPart part, ByteBuffer message) {
        if (part.kind() == MediaPart.Kind.TALK) {
            throw new IllegalArgumentException("a doorbell does not send talk");
        }
        Set<LiveSink> watching = byDevice.get(deviceId);
        if (watching == null || watching.isEmpty()) {
            return;
        }
        // One copy for all viewers: the container reuses its buffer once this returns.
        ByteBuffer shared = ByteBuffer.allocate(message.remaining())
                .put(message.duplicate())
                .flip()
                .asReadOnlyBuffer();
        for (LiveSink sink : watching) {
            sink.media(shared, part.kind(), part.first(), part.last(), part.keyframe());
        }
    }

    /**
     * Holds the doorbell's viewers here and its feed to other nodes, whose key goes to them in band
     * ({@link RemoteLive#keyStored}, before the release), until the key was handed on.
     */
    @Override
    public Runnable holdForKey(String deviceId) {
        List<Viewer> held = viewersOf(deviceId);
        RemoteFeed feed = feeds.get(deviceId);
        if (held.isEmpty() && feed == null) {
            return () -> {};
        }
        held.forEach(Viewer::hold);
        if (feed != null) {
            feed.hold();
        }
        return () -> {
            held.forEach(Viewer::release);
            if (feed != null) {
                feed.release();
            }
        };
    }

    /** A doorbell wrapped its media key to a member browser: keep it and hand it on if that browser watches. */
    public void mediaKey(Device device, LinkMessage.MediaKey key) {
        Envelope envelope = Envelope.of(device.id(), key);
        if (!keys.store(envelope)) {
            log.debug("Doorbell {} wrapped a key to a browser outside its household", device.id());
            return;
        }
        handKey(envelope, connections.isOnline(device.id()));
        RemoteLive cluster = remote;
        if (cluster != null && feeds.containsKey(device.id())) {
            cluster.keyStored(device.id(), key.clientId());
        }
    }

    /** To the viewers here whose browser the envelope is for. */
    private void handKey(Envelope envelope, boolean online) {
        for (Viewer viewer : viewersOf(envelope.deviceId())) {
            Viewer.Watch watch = viewer.watch;
            boolean own = watch.clientIdOrNull() != null
                    ? watch.clientIdOrNull().equals(envelope.clientId())
                    : clients.ofAccount(viewer.accountId).stream().anyMatch(c -> c.id().equals(envelope.clientId()));
            if (own) {
                viewer.keyed = true;
                viewer.text(keyMessage(envelope));
                viewer.text(state(online ? "live" : "device-offline", null));
            }
        }
    }

    @Override
    public Set<Class<? extends LinkMessage.FromDevice>> handles() {
        return Set.of(LinkMessage.MediaKey.class);
    }

    @Override
    public void message(DeviceLink link, LinkMessage.FromDevice message) {
        mediaKey(link.device(), (LinkMessage.MediaKey) message);
    }

    @Override
    public void online(Device device) {
        deviceOnline(device.id());
    }

    @Override
    public void offline(Device device) {
        deviceOffline(device.id());
    }

    public void deviceOnline(String deviceId) {
        int count = doorbellCount(deviceId);
        if (count > 0) {
            connections.send(deviceId, new LinkMessage.Live(count));
            viewersOf(deviceId).forEach(v -> v.text(state("live", null)));
        }
    }

    public void deviceOffline(String deviceId) {
        viewersOf(deviceId).forEach(v -> v.text(state("device-offline", null)));
    }

    // ---- other nodes (a cluster only: called by cluster.ClusterLive, never in a single hub)

    /** The cluster's side of live view makes itself known (once, when it is made). */
    public void useRemote(RemoteLive cluster) {
        this.remote = cluster;
    }

    /**
     * On the node holding a doorbell's link: how many browsers on other nodes watch it now, together (0: none). While
     * some do, its parts also go to the feed; the doorbell hears the count of every viewer (a growing count makes it
     * re-send its GOP, so new viewers elsewhere start at a keyframe), and stops streaming when nobody anywhere
     * watches.
     */
    public synchronized void feedOtherNodes(String deviceId, int viewersElsewhere) {
        RemoteLive cluster = remote;
        RemoteFeed feed = feeds.get(deviceId);
        int before = feed == null ? 0 : feed.viewers;
        if (viewersElsewhere == before || cluster == null) {
            return;
        }
        if (viewersElsewhere > 0 && feed == null) {
            feed = new RemoteFeed(cluster.publisher(deviceId), viewersElsewhere);
            feeds.put(deviceId, feed);
            byDevice.computeIfAbsent(deviceId, k -> ConcurrentHashMap.newKeySet())
                    .add(feed);
        } else if (viewersElsewhere > 0) {
            feed.viewers = viewersElsewhere;
        } else {
            feeds.remove(deviceId);
            Set<LiveSink> set = byDevice.get(deviceId);
            if (set != null) {
                set.remove(feed);
            }
        }
        tellDoorbellItsViewers(deviceId);
    }

    /** Whether this doorbell's parts go to other nodes now (for the cluster side and tests). */
    public boolean feedingOtherNodes(String deviceId) {
        return feeds.containsKey(deviceId);
    }

    /**
     * On a node with viewers of a doorbell linked elsewhere: a part the holding node relayed (the doorbell's sealed
     * part as it arrived there). Each viewer takes it as it takes a part from a local link, through its own frame
     * gate. Parts arrive on one thread, in the order the holding node sent them.
     */
    public void partFromOtherNode(String deviceId, byte[] wire) {
        Set<LiveSink> watching = byDevice.get(deviceId);
        // Linked here meanwhile (the doorbell moved): its own link feeds the viewers, on its own thread, alone.
        if (watching == null || watching.isEmpty() || connections.isOnline(deviceId)) {
            return;
        }
        MediaPart part = MediaPart.decode(ByteBuffer.wrap(wire));
        if (part.kind() == MediaPart.Kind.TALK) {
            throw new IllegalArgumentException("a doorbell does not send talk");
        }
        ByteBuffer shared = ByteBuffer.wrap(wire).asReadOnlyBuffer();
        for (LiveSink sink : watching) {
            if (sink instanceof Viewer viewer) {
                viewer.media(shared, part.kind(), part.first(), part.last(), part.keyframe());
            }
        }
    }

    /** The node holding the doorbell's link (or the last one) says whether it is online: the viewers here hear it. */
    public void stateFromOtherNode(String deviceId, boolean online) {
        if (online) {
            for (Viewer viewer : viewersOf(deviceId)) {
                // A browser without a key keeps its "not-in-roster" until a key comes (with its own state).
                if (viewer.keyed) {
                    viewer.text(state("live", null));
                }
            }
        } else {
            deviceOffline(deviceId);
        }
    }

    /**
     * The node holding the doorbell's link has just begun to feed this node. A key it stored after the viewers here
     * read theirs but before its feed existed was not sent in band: the newest envelopes of the viewers' browsers,
     * from the database (one a viewer already has is ignored by its browser).
     */
    public void keysStoredBeforeTheFeed(String deviceId) {
        Set<Envelope> newest = new LinkedHashSet<>();
        for (Viewer viewer : viewersOf(deviceId)) {
            Viewer.Watch watch = viewer.watch;
            if (watch.clientIdOrNull() == null) {
                newest.addAll(keys.ofAccount(deviceId, viewer.accountId));
            } else {
                keys.of(deviceId, watch.clientIdOrNull()).ifPresent(newest::add);
            }
        }
        newest.forEach(envelope -> handKey(envelope, true));
    }

    /** The doorbell, linked on another node, wrapped a new key to a browser: stored there, handed on here. */
    public void keyFromOtherNode(String deviceId, String clientId) {
        keys.of(deviceId, clientId).ifPresent(envelope -> handKey(envelope, true));
    }

    /**
     * The node holding a doorbell's link says, among its parts, that a new key of it is stored: the viewers here
     * hold its parts until the returned release, after {@link #keyFromOtherNode} handed the key on.
     */
    public Runnable holdForKeyFromOtherNode(String deviceId) {
        List<Viewer> held = viewersOf(deviceId);
        held.forEach(Viewer::hold);
        return () -> held.forEach(Viewer::release);
    }

    /** The doorbells browsers watch on this node, with how many watch each. */
    public Map<String, Integer> watchedHere() {
        Map<String, Integer> watched = new java.util.HashMap<>();
        for (String deviceId : byDevice.keySet()) {
            int count = viewerCount(deviceId);
            if (count > 0) {
                watched.put(deviceId, count);
            }
        }
        return watched;
    }

    // ---- membership

    @EventListener
    void memberRemoved(MemberRemoved event) {
        keys.forgetAccountInHousehold(event.accountId(), event.householdId());
        for (Viewer viewer : bySocket.values()) {
            Viewer.Watch watch = viewer.watch;
            if (viewer.accountId.equals(event.accountId())
                    && watch != null
                    && watch.householdId().equals(event.householdId())) {
                end(viewer, "you are no longer a member of this household");
            }
        }
    }

    /** A browser revoked in the safety check stops watching at once (its envelopes went with it). */
    @EventListener
    void browserRevoked(dev.doorward.hub.shared.BrowserRevoked event) {
        for (Viewer viewer : bySocket.values()) {
            Viewer.Watch watch = viewer.watch;
            if (watch != null && event.clientId().equals(watch.clientIdOrNull())) {
                end(viewer, "this browser was revoked");
            }
        }
    }

    /**
     * A browser session ended (sign-out, expiry, ended from the safety check or with its account or membership): its
     * views end at once, on either port.
     */
    @EventListener
    void sessionEnded(SessionEnded event) {
        endedSessions.mark(event.sessionId());
        for (Viewer viewer : bySocket.values()) {
            if (event.sessionId().equals(viewer.sessionId)) {
                end(viewer, "signed out");
            }
        }
    }

    /** Belt and braces for every other way a membership can end (account deleted, household gone). */
    @Scheduled(fixedDelay = 5_000)
    void recheckMemberships() {
        for (Viewer viewer : bySocket.values()) {
            Viewer.Watch watch = viewer.watch;
            if (watch != null
                    && households.roleOf(viewer.accountId, watch.householdId()).isEmpty()) {
                end(viewer, "you are no longer a member of this household");
            } else if (watch != null && !access.allows(viewer.accountId, watch.householdId(), watch.deviceId())) {
                // A guest's time window ended, or the roster now keeps them away from this doorbell.
                end(viewer, "you have no access to this doorbell now");
            }
        }
    }

    /** How many browsers on this node watch a doorbell now. */
    public int viewerCount(String deviceId) {
        int count = 0;
        for (LiveSink sink : byDevice.getOrDefault(deviceId, Set.of())) {
            if (sink instanceof Viewer) {
                count++;
            }
        }
        return count;
    }

    /**
     * The doorbell hears how many watch it, from the node holding its link only: that node counts the viewers on
     * the others too (their wants), and a count from a node that sees only its own viewers would undercut it.
     */
    private void tellDoorbellItsViewers(String deviceId) {
        if (connections.isOnline(deviceId)) {
            connections.send(deviceId, new LinkMessage.Live(doorbellCount(deviceId)));
        }
    }

    /** The count the doorbell hears: its viewers here and, in a cluster, those on other nodes. */
    private int doorbellCount(String deviceId) {
        RemoteFeed feed = feeds.get(deviceId);
        return viewerCount(deviceId) + (feed == null ? 0 : feed.viewers);
    }

    private List<Viewer> viewersOf(String deviceId) {
        List<Viewer> viewers = new ArrayList<>();
        for (LiveSink sink : byDevice.getOrDefault(deviceId, Set.of())) {
            if (sink instanceof Viewer viewer) {
                viewers.add(viewer);
            }
        }
        return viewers;
    }

    private void end(Viewer viewer, String why) {
        viewer.text(state("ended", why));
        viewer.close(ENDED.getCode(), ENDED.getReason());
    }

    private String state(String state, String detail) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("type", "state");
        message.put("state", state);
        if (detail != null) {
            message.put("detail", detail);
        }
        return json.writeValueAsString(message);
    }

    private String keyMessage(Envelope envelope) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("type", "key");
        message.put("deviceId", envelope.deviceId());
        message.put("epoch", envelope.epoch());
        message.put("clientId", envelope.clientId());
        message.put("slot", envelope.slot());
        message.put("ephemeralKey", envelope.ephemeralKey());
        message.put("nonce", envelope.nonce());
        message.put("wrapped", envelope.wrapped());
        return json.writeValueAsString(message);
    }
}
