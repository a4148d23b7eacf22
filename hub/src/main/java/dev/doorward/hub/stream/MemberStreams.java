package dev.doorward.hub.stream;

import dev.doorward.hub.household.Households;
import dev.doorward.hub.link.transport.LinkEndpoint;
import dev.doorward.hub.link.transport.LinkSocket;
import dev.doorward.hub.liveport.BrowserAdmission;
import dev.doorward.hub.liveport.LivePortPath;
import dev.doorward.hub.notify.Audience;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.NoticeChannel;
import dev.doorward.hub.notify.NoticeJson;
import dev.doorward.hub.shared.EndedSessions;
import dev.doorward.hub.shared.SessionEnded;
import dev.doorward.hub.shared.SignedInAccount;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import org.springframework.web.socket.server.support.HttpSessionHandshakeInterceptor;
import tools.jackson.databind.json.JsonMapper;

/**
 * The open app's channel to every signed-in browser ({@code /api/stream}): the {@link Notice}s the notifier lets
 * each member hear. The app opens it on the live port, where a ring is written on the network threads that read the
 * doorbells (no servlet container, BoringSSL), and falls back to the browser port's when it cannot reach that port;
 * both kinds are one {@link MemberSocket} here. Sending never blocks the caller for long: a browser that stops
 * reading is dropped.
 */
@Component
public class MemberStreams extends TextWebSocketHandler implements NoticeChannel, SmartLifecycle, LivePortPath {
    private static final Logger log = LoggerFactory.getLogger(MemberStreams.class);
    static final String PATH = "/api/stream";
    /** The app only listens here ("ping" keeps proxies from closing it); binary is refused. */
    private static final LinkSocket.CloseReason TEXT_ONLY = new LinkSocket.CloseReason(1003, "text only");

    private final Households households;
    private final JsonMapper json = JsonMapper.builder().build();
    /** household id → open streams of its members. */
    private final Map<String, Set<MemberSocket>> byHousehold = new ConcurrentHashMap<>();
    /** account id → open streams of that account. */
    private final Map<String, Set<MemberSocket>> byAccount = new ConcurrentHashMap<>();
    /** browser session id (the cookie's) → the streams opened with it. */
    private final Map<String, Set<MemberSocket>> byBrowserSession = new ConcurrentHashMap<>();
    /** the server's socket id → its stream, for both servers (Tomcat's ids and the live port's differ in form). */
    private final Map<String, MemberSocket> bySocket = new ConcurrentHashMap<>();

    private final EndedSessions endedSessions;
    /**
     * Accounts whose streams were ended lately (removed from a household, deleted), numbered in order, so that a
     * stream that read its households before such an end and registered after it (see {@link #opened}) is closed
     * too instead of hearing what it no longer may. Forgotten after ten minutes.
     */
    private final Map<String, AccountEnd> accountEnds = new ConcurrentHashMap<>();

    private final AtomicLong ends = new AtomicLong();
    private static final long REMEMBER_ENDS_MILLIS = Duration.ofMinutes(10).toMillis();

    private record AccountEnd(long number, long atMillis) {}

    private volatile boolean running;

    public MemberStreams(Households households, EndedSessions endedSessions) {
        this.households = households;
        this.endedSessions = endedSessions;
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * An orderly stop closes every stream with "going away" (1001) before the browser port stops (this stops in
     * the same phase as the device and live ports, before the web server), so the app knows the hub is coming back
     * rather than seeing a broken connection.
     */
    @Override
    public void stop() {
        running = false;
        for (Set<MemberSocket> sockets : byAccount.values()) {
            for (MemberSocket socket : sockets) {
                socket.close(CloseStatus.GOING_AWAY.getCode(), "the hub is stopping");
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    // ---- on the live port

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public LinkEndpoint endpoint() {
        return new LinkEndpoint() {
            @Override
            public void opened(LinkSocket socket, X509Certificate[] chain) {
                BrowserAdmission.of(socket)
                        .ifPresent(who -> MemberStreams.this.opened(
                                "live-port-" + socket.id(),
                                new LivePortMemberSocket(socket, who.accountId(), who.sessionId())));
            }

            @Override
            public void text(LinkSocket socket, String text) {
                // Browsers only listen on this channel; "ping" keeps proxies from closing it.
            }

            @Override
            public void binary(LinkSocket socket, ByteBuffer message) {
                socket.close(TEXT_ONLY);
            }

            @Override
            public void closed(LinkSocket socket) {
                MemberStreams.this.closed("live-port-" + socket.id());
            }
        };
    }

    // ---- on the browser port

    @Override
    public void afterConnectionEstablished(WebSocketSession raw) {
        SignedInAccount account = accountOf(raw);
        String browserSession = browserSessionOf(raw);
        if (account == null || browserSession == null) {
            try {
                raw.close(CloseStatus.POLICY_VIOLATION);
            } catch (java.io.IOException e) {
                // already gone
            }
            return;
        }
        opened("tomcat-" + raw.getId(), new TomcatMemberSocket(raw, account.id(), browserSession));
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        // Browsers only listen on this channel; "ping" keeps proxies from closing it.
    }

    @Override
    public void afterConnectionClosed(WebSocketSession raw, CloseStatus status) {
        closed("tomcat-" + raw.getId());
    }

    // ---- streams, whichever server carries them

    /** Registers an open stream (package-private for the test of its race with an end). */
    void opened(String socketId, MemberSocket socket) {
        long endsBefore = ends.get();
        List<Households.Membership> memberships;
        try {
            memberships = households.membershipsOf(socket.accountId());
        } catch (RuntimeException e) {
            // Without its households the stream would be open and hear no ring: closed, the app tries again.
            log.info("A member stream could not be opened: {}", e.getClass().getSimpleName());
            socket.close(CloseStatus.SERVER_ERROR.getCode(), "try again");
            return;
        }
        bySocket.put(socketId, socket);
        byBrowserSession
                .computeIfAbsent(socket.browserSession(), k -> ConcurrentHashMap.newKeySet())
                .add(socket);
        byAccount
                .computeIfAbsent(socket.accountId(), k -> ConcurrentHashMap.newKeySet())
                .add(socket);
        for (Households.Membership m : memberships) {
            byHousehold
                    .computeIfAbsent(m.householdId(), k -> ConcurrentHashMap.newKeySet())
                    .add(socket);
        }
        // Registered first, checked second, where an end marks first and closes what is registered second: one of
        // the two sees the other. Its session ended at any time, or its account's streams were ended after its
        // households were read: closed now, as if it had been open then.
        if (endedSessions.hasEnded(socket.browserSession()) || accountEndedSince(socket.accountId(), endsBefore)) {
            closed(socketId);
            socket.close(CloseStatus.POLICY_VIOLATION.getCode(), "");
            return;
        }
        socket.send(json.writeValueAsString(Map.of("type", "hello")));
    }

    private boolean accountEndedSince(String accountId, long number) {
        AccountEnd end = accountEnds.get(accountId);
        return end != null && end.number() > number;
    }

    private void markAccountEnded(String accountId) {
        long now = System.currentTimeMillis();
        accountEnds.put(accountId, new AccountEnd(ends.incrementAndGet(), now));
        accountEnds.values().removeIf(end -> now - end.atMillis() > REMEMBER_ENDS_MILLIS);
    }

    private void closed(String socketId) {
        MemberSocket socket = bySocket.remove(socketId);
        if (socket == null) {
            return;
        }
        byHousehold.values().forEach(set -> set.remove(socket));
        byAccount.computeIfPresent(socket.accountId(), (id, set) -> {
            set.remove(socket);
            return set.isEmpty() ? null : set;
        });
        byBrowserSession.computeIfPresent(socket.browserSession(), (id, set) -> {
            set.remove(socket);
            return set.isEmpty() ? null : set;
        });
    }

    /** A browser session ended (signed out, expired, ended by an admin or with its account): its streams close now. */
    @EventListener
    void sessionEnded(SessionEnded event) {
        endedSessions.mark(event.sessionId());
        Set<MemberSocket> sockets = byBrowserSession.remove(event.sessionId());
        if (sockets != null) {
            sockets.forEach(socket -> socket.close(CloseStatus.POLICY_VIOLATION.getCode(), ""));
        }
    }

    /** The open app's channel: every open stream of the audience, written once as {@link NoticeJson}. */
    @Override
    public void deliver(Audience audience, Notice notice) {
        switch (audience) {
            case Audience.Household household -> toHousehold(household, notice, Runnable::run);
            case Audience.Everyone everyone -> {
                List<MemberSocket> all = new ArrayList<>();
                byAccount.values().forEach(all::addAll);
                sendToEach(all, text(notice), Runnable::run);
            }
            case Audience.Account account -> {
                Set<MemberSocket> sockets = byAccount.get(account.accountId());
                if (sockets == null || sockets.isEmpty()) {
                    return;
                }
                sendToEach(sockets, text(notice), Runnable::run);
            }
        }
    }

    /**
     * On the network thread that read a ring: a browser-port stream that opened since {@link #takesAtOnce} said yes
     * is sent to on a virtual thread of its own, as its send may wait for Tomcat and this thread serves doorbells.
     */
    @Override
    public void deliverAtOnce(Audience.Household audience, Notice notice) {
        toHousehold(audience, notice, Thread::startVirtualThread);
    }

    private void toHousehold(Audience.Household household, Notice notice, Consumer<Runnable> onBrowserPort) {
        Set<MemberSocket> sockets = byHousehold.get(household.householdId());
        if (sockets == null || sockets.isEmpty()) {
            return;
        }
        String text = text(notice);
        Map<String, Boolean> decided = new HashMap<>();
        List<MemberSocket> told = new ArrayList<>(sockets.size());
        for (MemberSocket socket : sockets) {
            if (decided.computeIfAbsent(socket.accountId(), household.mayHear()::test)) {
                told.add(socket);
            }
        }
        sendToEach(told, text, onBrowserPort);
    }

    /**
     * The live port's streams are written by their network threads without waiting; a browser-port stream's send may
     * wait for Tomcat (up to its time limit), so a household with one is told on a thread that may wait.
     */
    @Override
    public boolean takesAtOnce(Audience.Household audience) {
        Set<MemberSocket> sockets = byHousehold.get(audience.householdId());
        return sockets == null || sockets.stream().allMatch(LivePortMemberSocket.class::isInstance);
    }

    private String text(Notice notice) {
        return json.writeValueAsString(NoticeJson.of(notice));
    }

    /**
     * The live port's streams get the text with one hand-off per network thread; the browser port's one by one, each
     * send run by {@code onBrowserPort}.
     */
    private static void sendToEach(Collection<MemberSocket> sockets, String text, Consumer<Runnable> onBrowserPort) {
        List<LinkSocket> onLivePort = new ArrayList<>(sockets.size());
        for (MemberSocket socket : sockets) {
            if (socket instanceof LivePortMemberSocket live) {
                onLivePort.add(live.socket());
            } else {
                onBrowserPort.accept(() -> socket.send(text));
            }
        }
        LinkSocket.sendTextToEach(onLivePort, text);
    }

    /**
     * An account left a household: its open streams stop hearing that household now, and are closed so
     * the browser reconnects with what it still belongs to.
     */
    public void removeFromHousehold(String accountId, String householdId) {
        Set<MemberSocket> ofAccount = byAccount.getOrDefault(accountId, Set.of());
        Set<MemberSocket> ofHousehold = byHousehold.get(householdId);
        if (ofHousehold != null) {
            ofHousehold.removeAll(ofAccount);
        }
        closeAccount(accountId);
    }

    /** Ends every open stream of an account (sign-out everywhere, removal from a household). */
    public void closeAccount(String accountId) {
        markAccountEnded(accountId);
        Set<MemberSocket> sockets = byAccount.remove(accountId);
        if (sockets != null) {
            sockets.forEach(socket -> socket.close(CloseStatus.POLICY_VIOLATION.getCode(), ""));
        }
    }

    /** The browser session the socket was opened with (its handshake copied the id). */
    private static String browserSessionOf(WebSocketSession session) {
        return session.getAttributes().get(HttpSessionHandshakeInterceptor.HTTP_SESSION_ID_ATTR_NAME)
                        instanceof String id
                ? id
                : null;
    }

    private static SignedInAccount accountOf(WebSocketSession session) {
        if (session.getPrincipal() instanceof Authentication auth
                && auth.getPrincipal() instanceof SignedInAccount account) {
            return account;
        }
        return null;
    }
}
