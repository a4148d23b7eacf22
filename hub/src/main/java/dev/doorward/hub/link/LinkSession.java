package dev.doorward.hub.link;

import dev.doorward.crypto.pki.Certificates;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.link.transport.LinkSocket;
import dev.doorward.hub.link.transport.LinkSocket.CloseReason;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.LinkError;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** One device connection: who the certificate says it is, and where the conversation stands. */
final class LinkSession implements DeviceLink {
    /** A factory certificate may only claim; an operational certificate is an owned device. */
    enum Kind {
        CLAIM,
        OWNED
    }

    final LinkSocket socket;
    final Kind kind;
    final String serial;
    /**
     * The client certificate as sent (DER), parsed again only when needed (a claim, a renewal): a parsed X.509
     * certificate costs ~5 KiB of heap, for every idle link.
     */
    private final byte[] certificateDer;
    /** The certificate's serial number in hex. */
    final String certificateSerial;
    /** Set for OWNED sessions. */
    final Device device;

    private final LinkTaps taps;
    volatile boolean welcomed;
    volatile long lastHeardMillis;
    /** Messages refused so far; a flood of them closes the link. */
    final AtomicInteger refused = new AtomicInteger();

    final long openedMillis;
    /**
     * Ring and motion texts decoded as they arrived ({@code DeviceLinkHandler.textArrived}), by text, until their
     * turn in order comes: so each is decoded once. An entry lives from arrival to its turn (a handful at most).
     */
    final Map<String, CompletableFuture<LinkMessage.FromDevice>> decodedOnArrival = new ConcurrentHashMap<>();
    /**
     * For each arriving text that names a media key, in arrival order, what releases the viewers it held
     * ({@code DeviceLinkHandler.textArrived}); taken in the same order when its turn comes, the rest when the link
     * closes.
     */
    final Queue<Runnable> keyHolds = new ConcurrentLinkedQueue<>();
    /** A welcomed claim session's conversation (the claim feature keeps its state). */
    ClaimLinks.Conversation claim;

    LinkSession(
            LinkSocket socket,
            Kind kind,
            String serial,
            X509Certificate certificate,
            Device device,
            long now,
            LinkTaps taps) {
        this.socket = socket;
        this.kind = kind;
        this.serial = serial;
        try {
            this.certificateDer = certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("unreadable client certificate", e);
        }
        this.certificateSerial = certificate.getSerialNumber().toString(16);
        this.device = device;
        this.openedMillis = now;
        this.taps = taps;
        this.lastHeardMillis = now;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public String serial() {
        return serial;
    }

    @Override
    public String linkId() {
        return socket.id();
    }

    @Override
    public X509Certificate certificate() {
        try {
            return Certificates.fromDer(certificateDer);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("a certificate TLS accepted no longer parses", e);
        }
    }

    @Override
    public String subject() {
        return kind == Kind.OWNED ? "device:" + device.id() : "serial:" + serial;
    }

    /** An owned doorbell that said hello: the only kind whose rings, media and heartbeats skip the queue. */
    boolean isWelcomedAndOwned() {
        return kind == Kind.OWNED && welcomed;
    }

    @Override
    public void send(LinkMessage message) throws IOException {
        String text = LinkCodec.encode(message);
        taps.seen(LinkTaps.Direction.TO_DEVICE, text);
        socket.sendText(text);
    }

    /** The hub's own failures ({@code internal}) are not the doorbell's doing and never count towards a flood. */
    @Override
    public void refuse(LinkError error) throws IOException {
        if (error.code() != ErrorCode.INTERNAL && refused.incrementAndGet() > DeviceLinkHandler.MAX_REFUSED_MESSAGES) {
            close(CloseReason.POLICY_VIOLATION.withReason("too many refused messages"));
            return;
        }
        send(error);
    }

    void close(CloseReason reason) {
        socket.close(reason);
    }
}
