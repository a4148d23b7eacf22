package dev.doorward.hub.link;

import dev.doorward.crypto.pki.Certificates;
import dev.doorward.hub.claim.ClaimService;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.link.transport.LinkSocket;
import dev.doorward.hub.link.transport.LinkSocket.CloseReason;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicInteger;

/** One device connection: who the certificate says it is, and where the conversation stands. */
final class LinkSession {
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
    /** A claim between claim-request and its end. */
    ClaimService.InProgress claim;
    /** A claim session gets one attempt. */
    boolean claimAttempted;
    /** The device registered by this claim session, until the doorbell is known to have accepted it. */
    String claimedDeviceId;

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

    X509Certificate certificate() {
        try {
            return Certificates.fromDer(certificateDer);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("a certificate TLS accepted no longer parses", e);
        }
    }

    String subject() {
        return kind == Kind.OWNED ? "device:" + device.id() : "serial:" + serial;
    }

    void send(LinkMessage message) throws IOException {
        String text = LinkCodec.encode(message);
        taps.seen(LinkTaps.Direction.TO_DEVICE, text);
        socket.sendText(text);
    }

    void close(CloseReason reason) {
        socket.close(reason);
    }
}
