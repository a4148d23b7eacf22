package dev.doorward.hub.push;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The frames between the hub and its Web Push process ({@link PushProcess}) over the child's stdin and stdout:
 * a type byte, a 4-byte length and that many bytes of payload (big-endian {@link DataOutputStream} fields).
 * Anything else — an unknown type, a length out of bounds, a payload that does not parse — is a protocol error
 * the reader reports as such (the hub then restarts the child).
 */
final class PushFrames {
    private PushFrames() {}

    /** Hub → child, once, first: the settings and the VAPID key. */
    static final byte SETTINGS = 1;
    /** Hub → child: one message to one subscription. */
    static final byte DELIVER = 2;
    /** Child → hub, once, first: it is a Web Push process of this protocol. */
    static final byte HELLO = 10;
    /** Child → hub: how a delivery ended. */
    static final byte RESULT = 11;
    /** Child → hub: a line for the hub's log. */
    static final byte LOG = 12;

    static final String PROTOCOL = "doorward-push/1";
    /** Larger than any frame either side sends (a delivery is under 6 KiB, settings under a CA bundle). */
    static final int MAX_PAYLOAD = 1 << 20;

    /** Why a stream is not what the other side should send. */
    static final class ProtocolError extends IOException {
        ProtocolError(String message) {
            super(message);
        }
    }

    /** A frame as read: its type and payload. */
    record Frame(byte type, byte[] payload) {
        DataInputStream fields() {
            return new DataInputStream(new java.io.ByteArrayInputStream(payload));
        }
    }

    /** The next frame, or null at a clean end of the stream (before a frame's first byte). */
    static Frame read(InputStream in, byte... allowed) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        boolean known = false;
        for (byte a : allowed) {
            known |= a == type;
        }
        if (!known) {
            throw new ProtocolError(String.format("not a frame (first byte 0x%02x)", type));
        }
        DataInputStream data = new DataInputStream(in);
        int length;
        byte[] payload;
        try {
            length = data.readInt();
            if (length < 0 || length > MAX_PAYLOAD) {
                throw new ProtocolError("a frame of " + length + " bytes");
            }
            payload = data.readNBytes(length);
        } catch (EOFException e) {
            throw new ProtocolError("the stream ended inside a frame");
        }
        if (payload.length != length) {
            throw new ProtocolError("the stream ended inside a frame");
        }
        return new Frame((byte) type, payload);
    }

    /** Writes one frame (the caller holds whatever lock keeps frames whole) and flushes. */
    static void write(OutputStream out, byte type, Fields fields) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        DataOutputStream payload = new DataOutputStream(buffer);
        fields.write(payload);
        DataOutputStream data = new DataOutputStream(out);
        data.writeByte(type);
        data.writeInt(buffer.size());
        buffer.writeTo(data);
        data.flush();
    }

    interface Fields {
        void write(DataOutputStream out) throws IOException;
    }

    // ---- the payloads

    /**
     * What the child needs to send, and nothing else of the hub's: the VAPID key pair (raw P-256 scalar and
     * point), the contact, the self-hosted push hosts, extra CA certificates, timeouts and the retry rules.
     */
    record Settings(
            byte[] vapidPrivate,
            byte[] vapidPublic,
            String contact,
            List<String> allowedHosts,
            String extraAnchorsPem,
            long connectTimeoutMillis,
            long readTimeoutMillis,
            int maxAttempts,
            long maxRetryAfterMillis,
            int workers) {
        void write(DataOutputStream out) throws IOException {
            bytes(out, vapidPrivate);
            bytes(out, vapidPublic);
            out.writeUTF(contact);
            out.writeInt(allowedHosts.size());
            for (String host : allowedHosts) {
                out.writeUTF(host);
            }
            bytes(out, extraAnchorsPem.getBytes(StandardCharsets.US_ASCII));
            out.writeLong(connectTimeoutMillis);
            out.writeLong(readTimeoutMillis);
            out.writeInt(maxAttempts);
            out.writeLong(maxRetryAfterMillis);
            out.writeInt(workers);
        }

        static Settings read(DataInputStream in) throws IOException {
            byte[] vapidPrivate = bytes(in);
            byte[] vapidPublic = bytes(in);
            String contact = in.readUTF();
            int hosts = in.readInt();
            if (hosts < 0 || hosts > 1000) {
                throw new ProtocolError("settings with " + hosts + " allowed hosts");
            }
            List<String> allowedHosts = new ArrayList<>();
            for (int i = 0; i < hosts; i++) {
                allowedHosts.add(in.readUTF());
            }
            String pem = new String(bytes(in), StandardCharsets.US_ASCII);
            return new Settings(
                    vapidPrivate,
                    vapidPublic,
                    contact,
                    List.copyOf(allowedHosts),
                    pem,
                    in.readLong(),
                    in.readLong(),
                    in.readInt(),
                    in.readLong(),
                    in.readInt());
        }

        @Override
        public String toString() {
            return "Settings[vapidPrivate=[REDACTED], contact=" + contact + ", allowedHosts=" + allowedHosts + "]";
        }
    }

    /** One message to one subscription, encrypted and sent by the child; {@code topic} is empty for none. */
    record Deliver(
            long id,
            String endpoint,
            String p256dh,
            String auth,
            byte[] json,
            long ttlSeconds,
            String urgency,
            String topic) {
        void write(DataOutputStream out) throws IOException {
            out.writeLong(id);
            out.writeUTF(endpoint);
            out.writeUTF(p256dh);
            out.writeUTF(auth);
            bytes(out, json);
            out.writeLong(ttlSeconds);
            out.writeUTF(urgency);
            out.writeUTF(topic);
        }

        static Deliver read(DataInputStream in) throws IOException {
            return new Deliver(
                    in.readLong(),
                    in.readUTF(),
                    in.readUTF(),
                    in.readUTF(),
                    bytes(in),
                    in.readLong(),
                    in.readUTF(),
                    in.readUTF());
        }
    }

    /** How a delivery ended. */
    enum Outcome {
        /** The push service took it (2xx). */
        DELIVERED,
        /** 404 or 410: the subscription is gone; the hub deletes it. */
        EXPIRED,
        /** Refused by the SSRF guard or the service, or given up after retries. */
        FAILED
    }

    /** The end of one delivery: its outcome, the last HTTP status (0 for none) and how often it was retried. */
    record Result(long id, Outcome outcome, int status, int retries) {
        void write(DataOutputStream out) throws IOException {
            out.writeLong(id);
            out.writeByte(outcome.ordinal());
            out.writeInt(status);
            out.writeInt(retries);
        }

        static Result read(DataInputStream in) throws IOException {
            long id = in.readLong();
            int outcome = in.readUnsignedByte();
            if (outcome >= Outcome.values().length) {
                throw new ProtocolError("a result with outcome " + outcome);
            }
            return new Result(id, Outcome.values()[outcome], in.readInt(), in.readInt());
        }
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new ProtocolError("a field of " + length + " bytes");
        }
        byte[] value = in.readNBytes(length);
        if (value.length != length) {
            throw new ProtocolError("a frame ended inside a field");
        }
        return value;
    }
}
