package dev.doorward.bench.net;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal RFC 6455 client: the upgrade request, masked text and binary frames out, unmasked frames in (text,
 * binary, ping, close), no extensions. One instance per connection; everything runs on the connection's loop.
 */
public final class WebSocketProtocol implements TlsConnection.Protocol {
    /** What the scenario sees. */
    public interface Listener {
        void onOpen(TlsConnection connection);

        void onText(TlsConnection connection, String text, long receivedNanos);

        /** A binary message; {@code payload} is this call's to keep. */
        default void onBinary(TlsConnection connection, byte[] payload, long receivedNanos) {}

        void onClose(TlsConnection connection, String reason);
    }

    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};
    private static final int MAX_MESSAGE = 1 << 20;

    private final String host;
    private final String path;
    private final String extraHeaders;
    private final Listener listener;
    private String key;
    private boolean upgraded;
    private ByteBuffer partial;
    private String closeReason;
    /** When the upgrade request was written (System.nanoTime), for scenarios that time the upgrade. */
    public long upgradeSentNanos;

    public WebSocketProtocol(String host, String path, String extraHeaders, Listener listener) {
        this.host = host;
        this.path = path;
        this.extraHeaders = extraHeaders == null ? "" : extraHeaders;
        this.listener = listener;
    }

    @Override
    public void onOpen(TlsConnection connection) {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        key = Base64.getEncoder().encodeToString(nonce);
        String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
                + extraHeaders + "\r\n";
        upgradeSentNanos = System.nanoTime();
        connection.send(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
    }

    @Override
    public void onData(TlsConnection connection, ByteBuffer data) {
        long now = System.nanoTime();
        ByteBuffer in = data;
        if (partial != null) {
            ByteBuffer joined = ByteBuffer.allocate(partial.remaining() + data.remaining());
            joined.put(partial).put(data).flip();
            partial = null;
            in = joined;
        }
        if (!upgraded) {
            int end = indexOf(in, HEADER_END);
            if (end < 0) {
                keep(in);
                return;
            }
            byte[] head = new byte[end - in.position()];
            in.get(head);
            in.position(in.position() + 4);
            String response = new String(head, StandardCharsets.ISO_8859_1);
            if (!response.startsWith("HTTP/1.1 101") || !response.contains(accept(key))) {
                closeReason = "upgrade refused: " + response.lines().findFirst().orElse("");
                connection.abort();
                return;
            }
            upgraded = true;
            listener.onOpen(connection);
        }
        while (in.hasRemaining() && !connection.isClosed()) {
            if (!frame(connection, in, now)) {
                keep(in);
                return;
            }
        }
    }

    /** Parses one frame if it is complete; false (position unchanged) if more bytes are needed. */
    private boolean frame(TlsConnection connection, ByteBuffer in, long now) {
        int start = in.position();
        if (in.remaining() < 2) {
            return false;
        }
        int b0 = in.get() & 0xff;
        int b1 = in.get() & 0xff;
        long length = b1 & 0x7f;
        if (length == 126) {
            if (in.remaining() < 2) {
                in.position(start);
                return false;
            }
            length = in.getShort() & 0xffff;
        } else if (length == 127) {
            if (in.remaining() < 8) {
                in.position(start);
                return false;
            }
            length = in.getLong();
        }
        if ((b1 & 0x80) != 0 || length > MAX_MESSAGE) {
            connection.abort();
            return true;
        }
        if (in.remaining() < length) {
            in.position(start);
            return false;
        }
        byte[] payload = new byte[(int) length];
        in.get(payload);
        int opcode = b0 & 0x0f;
        switch (opcode) {
            case 0x1 -> listener.onText(connection, new String(payload, StandardCharsets.UTF_8), now);
            case 0x2 -> listener.onBinary(connection, payload, now);
            case 0x8 -> {
                String reason =
                        payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                closeReason = "close " + code + " " + reason;
                connection.abort();
            }
            case 0x9 -> connection.send(frameOf(0xA, payload));
            default -> {
                // pong, continuation: not used by the servers towards this client
            }
        }
        return true;
    }

    @Override
    public void onClose(TlsConnection connection, String reason) {
        listener.onClose(connection, closeReason != null ? closeReason : reason);
    }

    public void sendText(TlsConnection connection, String text) {
        connection.send(frameOf(0x1, text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Leaves as a browser does: a close frame (1000, normal); the server answers and closes. */
    public void sendClose(TlsConnection connection) {
        connection.send(frameOf(0x8, new byte[] {0x03, (byte) 0xe8}));
    }

    /** Sends one binary message (from {@code position} to {@code limit} of the buffer, which is not changed). */
    public void sendBinary(TlsConnection connection, ByteBuffer payload) {
        connection.send(frameOf(0x2, payload.duplicate()));
    }

    /** A masked client frame (RFC 6455 §5.3: every client frame is masked). */
    static ByteBuffer frameOf(int opcode, byte[] payload) {
        return frameOf(opcode, ByteBuffer.wrap(payload));
    }

    static ByteBuffer frameOf(int opcode, ByteBuffer payload) {
        int n = payload.remaining();
        int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
        ByteBuffer frame = ByteBuffer.allocate(header + 4 + n);
        frame.put((byte) (0x80 | opcode));
        if (n < 126) {
            frame.put((byte) (0x80 | n));
        } else if (n < 65536) {
            frame.put((byte) (0x80 | 126)).putShort((short) n);
        } else {
            frame.put((byte) (0x80 | 127)).putLong(n);
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.put(mask);
        int from = payload.position();
        for (int i = 0; i < n; i++) {
            frame.put((byte) (payload.get(from + i) ^ mask[i & 3]));
        }
        return frame.flip();
    }

    private void keep(ByteBuffer in) {
        partial = ByteBuffer.allocate(in.remaining());
        partial.put(in).flip();
    }

    private static int indexOf(ByteBuffer in, byte[] needle) {
        outer:
        for (int i = in.position(); i <= in.limit() - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (in.get(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest =
                    sha1.digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
