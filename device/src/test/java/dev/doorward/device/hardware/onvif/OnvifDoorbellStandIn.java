package dev.doorward.device.hardware.onvif;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * An ONVIF doorbell over real HTTP and SOAP 1.2, as far as a bridge uses it: a device service
 * (GetSystemDateAndTime, GetCapabilities, GetServices), an events service (CreatePullPointSubscription) and
 * pull-point subscriptions (PullMessages, Renew, Unsubscribe). Every request but GetSystemDateAndTime must carry a
 * WS-Security UsernameToken whose PasswordDigest is checked for real (SHA-1 of nonce, created, password; the time
 * within 5 minutes of the doorbell's clock; a nonce used once), else 401 with a {@code ter:NotAuthorized} fault.
 * The notifications are what Reolink's doorbells send for the button (RuleEngine/MyRuleDetector/Visitor, State).
 */
public final class OnvifDoorbellStandIn implements AutoCloseable {
    static final String DEVICE_PATH = "/onvif/device_service";
    static final String EVENTS_PATH = "/onvif/event_service";
    static final String SUBSCRIPTION_PATH = "/onvif/subscription/";

    private static final String NAMESPACES = "xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\""
            + " xmlns:wsa=\"http://www.w3.org/2005/08/addressing\""
            + " xmlns:wsnt=\"http://docs.oasis-open.org/wsn/b-2\""
            + " xmlns:tev=\"http://www.onvif.org/ver10/events/wsdl\""
            + " xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\""
            + " xmlns:tt=\"http://www.onvif.org/ver10/schema\""
            + " xmlns:tns1=\"http://www.onvif.org/ver10/topics\""
            + " xmlns:ter=\"http://www.onvif.org/ver10/error\""
            + " xmlns:wsrf-rw=\"http://docs.oasis-open.org/wsrf/rw-2\"";

    /** One answer spoiled on purpose (the next PullMessages gets it). */
    public enum Sabotage {
        MALFORMED,
        XXE,
        OVERSIZED
    }

    private final String user;
    private volatile String password;
    private final Duration clockOffset;
    private final int port;
    private HttpServer server;

    private final LinkedBlockingQueue<String> notifications = new LinkedBlockingQueue<>();
    private final Map<String, Instant> subscriptions = new ConcurrentHashMap<>();
    private final Set<String> nonces = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextSubscription = new AtomicInteger();
    private final AtomicReference<Sabotage> sabotage = new AtomicReference<>();

    /** Like doorbells that ignore WS-Security: HTTP digest (MD5, qop=auth) or nothing. */
    private volatile boolean httpDigestOnly;

    private volatile boolean ignorePullTimeout;

    private final Set<String> issuedNonces = ConcurrentHashMap.newKeySet();
    public final AtomicInteger digestAccepted = new AtomicInteger();
    public final AtomicInteger authenticated = new AtomicInteger();
    public final AtomicInteger refused = new AtomicInteger();
    public final AtomicInteger created = new AtomicInteger();
    public final AtomicInteger renewed = new AtomicInteger();
    public final AtomicInteger unsubscribed = new AtomicInteger();
    public final AtomicInteger dtdFetched = new AtomicInteger();
    /** Each request's operation, in order. */
    public final List<String> operations = java.util.Collections.synchronizedList(new ArrayList<>());

    /**
     * @param clockOffset the doorbell's clock minus the real time (a doorbell whose clock is off)
     */
    public OnvifDoorbellStandIn(String user, String password, Duration clockOffset) throws IOException {
        this.user = user;
        this.password = password;
        this.clockOffset = clockOffset;
        this.server = start(0);
        this.port = server.getAddress().getPort();
    }

    private HttpServer start(int atPort) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), atPort), 16);
        s.createContext("/", this::handle);
        s.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        return s;
    }

    public URI deviceService() {
        return URI.create("http://127.0.0.1:" + port + DEVICE_PATH);
    }

    public URI eventsService() {
        return URI.create("http://127.0.0.1:" + port + EVENTS_PATH);
    }

    /** Like doorbells that answer an empty pull at once instead of waiting for news. */
    public void ignorePullTimeout(boolean on) {
        this.ignorePullTimeout = on;
    }

    public void httpDigestOnly(boolean on) {
        this.httpDigestOnly = on;
    }

    public void password(String password) {
        this.password = password;
    }

    public void sabotageNextPull(Sabotage what) {
        sabotage.set(what);
    }

    /** The doorbell reboots: it is gone for a moment and forgets every subscription. */
    public synchronized void restart() throws IOException, InterruptedException {
        server.stop(0);
        subscriptions.clear();
        Thread.sleep(300);
        IOException last = null;
        for (int i = 0; i < 50; i++) {
            try {
                server = start(port);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw last;
    }

    /** The button's state, as a Reolink doorbell reports it. */
    public void visitor(boolean pressed) {
        notifications.add(notification("tns1:RuleEngine/MyRuleDetector/Visitor", "Changed", "State", pressed));
    }

    public void visitorInitialized(boolean pressed) {
        notifications.add(notification("tns1:RuleEngine/MyRuleDetector/Visitor", "Initialized", "State", pressed));
    }

    /** Something that is not the button. */
    public void motion(boolean moving) {
        notifications.add(notification("tns1:RuleEngine/CellMotionDetector/Motion", "Changed", "IsMotion", moving));
    }

    public int pendingNotifications() {
        return notifications.size();
    }

    public int activeSubscriptions() {
        return subscriptions.size();
    }

    private Instant now() {
        return Instant.now().plus(clockOffset).truncatedTo(ChronoUnit.MILLIS);
    }

    private static String notification(String topic, String operation, String item, boolean value) {
        return "<wsnt:NotificationMessage><wsnt:Topic"
                + " Dialect=\"http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet\">" + topic + "</wsnt:Topic>"
                + "<wsnt:Message><tt:Message UtcTime=\"" + Instant.now().truncatedTo(ChronoUnit.SECONDS)
                + "\" PropertyOperation=\"" + operation + "\"><tt:Source><tt:SimpleItem Name=\"Source\" Value=\"000\"/>"
                + "</tt:Source><tt:Data><tt:SimpleItem Name=\"" + item + "\" Value=\"" + value + "\"/></tt:Data>"
                + "</tt:Message></wsnt:Message></wsnt:NotificationMessage>";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/evil.dtd")) {
                dtdFetched.incrementAndGet();
                reply(exchange, 200, "<!ENTITY secret \"leaked\">");
                return;
            }
            byte[] request = exchange.getRequestBody().readAllBytes();
            Document document;
            try {
                document = parse(request);
            } catch (Exception e) {
                reply(exchange, 400, fault("env:Sender", "ter:WellFormed", "not well-formed"));
                return;
            }
            Element body = (Element) document.getDocumentElement()
                    .getElementsByTagNameNS("http://www.w3.org/2003/05/soap-envelope", "Body")
                    .item(0);
            Element operation = firstElement(body);
            String op = operation.getLocalName();
            operations.add(op);
            if (op.equals("GetSystemDateAndTime") && path.equals(DEVICE_PATH)) {
                ZonedDateTime t = now().atZone(ZoneOffset.UTC);
                reply(
                        exchange,
                        200,
                        envelope("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
                                + "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
                                + "<tt:UTCDateTime><tt:Time><tt:Hour>" + t.getHour() + "</tt:Hour><tt:Minute>"
                                + t.getMinute()
                                + "</tt:Minute><tt:Second>" + t.getSecond() + "</tt:Second></tt:Time><tt:Date><tt:Year>"
                                + t.getYear() + "</tt:Year><tt:Month>" + t.getMonthValue() + "</tt:Month><tt:Day>"
                                + t.getDayOfMonth() + "</tt:Day></tt:Date></tt:UTCDateTime>"
                                + "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"));
                return;
            }
            if (httpDigestOnly) {
                if (!digestAuthorized(exchange)) {
                    refused.incrementAndGet();
                    String nonce = Long.toHexString(new java.security.SecureRandom().nextLong());
                    issuedNonces.add(nonce);
                    exchange.getResponseHeaders()
                            .add(
                                    "WWW-Authenticate",
                                    "Digest realm=\"Login to doorbell\", qop=\"auth\", nonce=\"" + nonce
                                            + "\", opaque=\"5ccc069c\", algorithm=MD5, stale=FALSE");
                    reply(exchange, 401, "");
                    return;
                }
                digestAccepted.incrementAndGet();
            } else if (!authorized(document)) {
                refused.incrementAndGet();
                reply(exchange, 401, fault("env:Sender", "ter:NotAuthorized", "Sender not Authorized"));
                return;
            }
            authenticated.incrementAndGet();
            String self = "http://127.0.0.1:" + port;
            switch (path.startsWith(SUBSCRIPTION_PATH) ? "subscription:" + op : path + ":" + op) {
                case DEVICE_PATH + ":GetCapabilities" ->
                    // Reports an address the box cannot reach (a doorbell behind NAT): the box keeps the host.
                    reply(
                            exchange,
                            200,
                            envelope("<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Events>"
                                    + "<tt:XAddr>http://10.255.255.1:" + port + EVENTS_PATH + "</tt:XAddr>"
                                    + "<tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>"
                                    + "<tt:WSPullPointSupport>true</tt:WSPullPointSupport>"
                                    + "</tt:Events></tds:Capabilities></tds:GetCapabilitiesResponse>"));
                case EVENTS_PATH + ":CreatePullPointSubscription" -> {
                    String id = Integer.toString(nextSubscription.incrementAndGet());
                    Duration lifetime = duration(text(operation, "InitialTerminationTime"), Duration.ofSeconds(60));
                    subscriptions.put(id, now().plus(lifetime));
                    created.incrementAndGet();
                    reply(
                            exchange,
                            200,
                            envelope("<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>"
                                    + "<wsa:Address>" + self + SUBSCRIPTION_PATH + id + "</wsa:Address>"
                                    + "</tev:SubscriptionReference><wsnt:CurrentTime>" + now() + "</wsnt:CurrentTime>"
                                    + "<wsnt:TerminationTime>" + subscriptions.get(id) + "</wsnt:TerminationTime>"
                                    + "</tev:CreatePullPointSubscriptionResponse>"));
                }
                case "subscription:PullMessages" -> pull(exchange, path, operation);
                case "subscription:Renew" -> {
                    String id = path.substring(SUBSCRIPTION_PATH.length());
                    if (!live(id)) {
                        unknown(exchange);
                        return;
                    }
                    Duration lifetime = duration(text(operation, "TerminationTime"), Duration.ofSeconds(60));
                    subscriptions.put(id, now().plus(lifetime));
                    renewed.incrementAndGet();
                    reply(
                            exchange,
                            200,
                            envelope("<wsnt:RenewResponse><wsnt:TerminationTime>" + subscriptions.get(id)
                                    + "</wsnt:TerminationTime><wsnt:CurrentTime>" + now() + "</wsnt:CurrentTime>"
                                    + "</wsnt:RenewResponse>"));
                }
                case "subscription:Unsubscribe" -> {
                    if (subscriptions.remove(path.substring(SUBSCRIPTION_PATH.length())) == null) {
                        unknown(exchange);
                        return;
                    }
                    unsubscribed.incrementAndGet();
                    reply(exchange, 200, envelope("<wsnt:UnsubscribeResponse/>"));
                }
                default ->
                    reply(
                            exchange,
                            400,
                            fault("env:Receiver", "ter:ActionNotSupported", op + " is not supported at " + path));
            }
        } catch (RuntimeException e) {
            e.printStackTrace();
            throw e;
        }
    }

    private void pull(HttpExchange exchange, String path, Element operation) throws IOException {
        String id = path.substring(SUBSCRIPTION_PATH.length());
        if (!live(id)) {
            unknown(exchange);
            return;
        }
        Sabotage spoil = sabotage.getAndSet(null);
        if (spoil != null) {
            switch (spoil) {
                case MALFORMED -> reply(exchange, 200, envelope("<tev:PullMessagesResponse><tev:CurrentTime>"));
                case XXE ->
                    reply(
                            exchange,
                            200,
                            "<?xml version=\"1.0\"?><!DOCTYPE env:Envelope [<!ENTITY % remote SYSTEM"
                                    + " \"http://127.0.0.1:" + port + "/evil.dtd\"> %remote;"
                                    + " <!ENTITY file SYSTEM \"file:///etc/hostname\">]>"
                                    + envelope("<tev:PullMessagesResponse><tev:CurrentTime>" + now()
                                            + "</tev:CurrentTime><tev:TerminationTime>" + subscriptions.get(id)
                                            + "</tev:TerminationTime><wsnt:NotificationMessage><wsnt:Topic>&file;"
                                            + "</wsnt:Topic></wsnt:NotificationMessage></tev:PullMessagesResponse>"));
                case OVERSIZED -> {
                    // Chunked, no length announced: the box must stop reading by itself.
                    exchange.getResponseHeaders().set("Content-Type", "application/soap+xml; charset=utf-8");
                    exchange.sendResponseHeaders(200, 0);
                    OutputStream out = exchange.getResponseBody();
                    out.write(("<?xml version=\"1.0\"?><env:Envelope " + NAMESPACES + "><env:Body>"
                                    + "<tev:PullMessagesResponse>")
                            .getBytes(StandardCharsets.UTF_8));
                    byte[] filler = notification(
                                    "tns1:RuleEngine/CellMotionDetector/Motion", "Changed", "IsMotion", true)
                            .getBytes(StandardCharsets.UTF_8);
                    try {
                        for (int written = 0; written < 4 * 1024 * 1024; written += filler.length) {
                            out.write(filler);
                        }
                    } catch (IOException e) {
                        // the box hung up: expected
                    }
                }
            }
            return;
        }
        Duration timeout = duration(text(operation, "Timeout"), Duration.ofSeconds(10));
        int limit = Integer.parseInt(text(operation, "MessageLimit"));
        List<String> out = new ArrayList<>();
        try {
            String first = notifications.poll(
                    ignorePullTimeout ? 0 : Math.min(timeout.toMillis(), 5000), TimeUnit.MILLISECONDS);
            if (first != null) {
                out.add(first);
                notifications.drainTo(out, limit - 1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reply(
                exchange,
                200,
                envelope("<tev:PullMessagesResponse><tev:CurrentTime>" + now() + "</tev:CurrentTime>"
                        + "<tev:TerminationTime>" + subscriptions.get(id) + "</tev:TerminationTime>"
                        + String.join("", out)
                        + "</tev:PullMessagesResponse>"));
    }

    private boolean live(String id) {
        Instant end = subscriptions.get(id);
        if (end == null) {
            return false;
        }
        if (end.isBefore(now())) {
            subscriptions.remove(id);
            return false;
        }
        return true;
    }

    private static void unknown(HttpExchange exchange) throws IOException {
        reply(exchange, 400, fault("env:Receiver", "wsrf-rw:ResourceUnknownFault", "no such subscription"));
    }

    /** The UsernameToken, checked as a doorbell does. */
    private boolean authorized(Document document) {
        NodeList tokens = document.getElementsByTagNameNS(
                "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd", "UsernameToken");
        if (tokens.getLength() != 1) {
            return false;
        }
        Element token = (Element) tokens.item(0);
        String wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
        String givenUser = text(token, wsse, "Username");
        Element passwordElement =
                (Element) token.getElementsByTagNameNS(wsse, "Password").item(0);
        String nonce = text(token, wsse, "Nonce");
        String created = text(
                token, "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd", "Created");
        if (givenUser == null || passwordElement == null || nonce == null || created == null) {
            return false;
        }
        if (!passwordElement.getAttribute("Type").endsWith("#PasswordDigest")) {
            return false;
        }
        Instant createdAt = Instant.parse(created);
        if (Duration.between(createdAt, now()).abs().compareTo(Duration.ofMinutes(5)) > 0) {
            return false;
        }
        byte[] nonceBytes = Base64.getDecoder().decode(nonce);
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(nonceBytes);
            sha1.update(created.getBytes(StandardCharsets.UTF_8));
            sha1.update(password.getBytes(StandardCharsets.UTF_8));
            byte[] expected = sha1.digest();
            byte[] given =
                    Base64.getDecoder().decode(passwordElement.getTextContent().strip());
            return givenUser.equals(user) && MessageDigest.isEqual(expected, given) && nonces.add(nonce);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 7616 with MD5 and qop=auth, checked against a nonce this doorbell issued. */
    private boolean digestAuthorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Digest ")) {
            return false;
        }
        Map<String, String> p = new java.util.HashMap<>();
        var m = java.util.regex.Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]*))")
                .matcher(header.substring(7));
        while (m.find()) {
            p.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
        }
        if (!issuedNonces.contains(p.get("nonce")) || !"auth".equals(p.get("qop")) || !user.equals(p.get("username"))) {
            return false;
        }
        if (!exchange.getRequestURI().getRawPath().equals(p.get("uri"))) {
            return false;
        }
        String ha1 = md5(user + ":Login to doorbell:" + password);
        String ha2 = md5("POST:" + p.get("uri"));
        String expected = md5(ha1 + ":" + p.get("nonce") + ":" + p.get("nc") + ":" + p.get("cnonce") + ":auth:" + ha2);
        return expected.equals(p.get("response"));
    }

    private static String md5(String text) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Document parse(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    }

    private static Element firstElement(Element parent) {
        for (var n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                return e;
            }
        }
        throw new IllegalArgumentException("empty body");
    }

    private static String text(Element in, String localName) {
        return text(in, "http://www.onvif.org/ver10/events/wsdl", localName) != null
                ? text(in, "http://www.onvif.org/ver10/events/wsdl", localName)
                : text(in, "http://docs.oasis-open.org/wsn/b-2", localName);
    }

    private static String text(Element in, String namespace, String localName) {
        NodeList nodes = in.getElementsByTagNameNS(namespace, localName);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().strip();
    }

    private static Duration duration(String text, Duration fallback) {
        return text == null ? fallback : Duration.parse(text);
    }

    private static String envelope(String body) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><env:Envelope " + NAMESPACES + "><env:Header/><env:Body>"
                + body + "</env:Body></env:Envelope>";
    }

    private static String fault(String code, String subcode, String reason) {
        return envelope("<env:Fault><env:Code><env:Value>" + code + "</env:Value><env:Subcode><env:Value>" + subcode
                + "</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang=\"en\">" + reason
                + "</env:Text></env:Reason></env:Fault>");
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/soap+xml; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public synchronized void close() {
        server.stop(0);
    }
}
