package dev.doorward.bench.net;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A minimal MQTT 3.1.1 client for the reference broker: CONNECT, SUBSCRIBE (QoS 1), PUBLISH QoS 1 with
 * PUBACK both ways, PINGREQ. Enough for idle connections and a fan-out measurement, nothing more.
 */
public final class MqttProtocol implements TlsConnection.Protocol {
    public interface Listener {
        void onConnected(TlsConnection connection);

        void onPublish(TlsConnection connection, String topic, byte[] payload, long receivedNanos);

        void onClose(TlsConnection connection, String reason);
    }

    private final String clientId;
    private final int keepAliveSeconds;
    private final Listener listener;
    private ByteBuffer partial;
    private int nextPacketId = 1;

    public MqttProtocol(String clientId, int keepAliveSeconds, Listener listener) {
        this.clientId = clientId;
        this.keepAliveSeconds = keepAliveSeconds;
        this.listener = listener;
    }

    @Override
    public void onOpen(TlsConnection connection) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(4); // protocol level 3.1.1
        body.write(0x02); // clean session
        body.write(keepAliveSeconds >> 8);
        body.write(keepAliveSeconds & 0xff);
        string(body, clientId);
        connection.send(packet(0x10, body.toByteArray()));
    }

    public void subscribe(TlsConnection connection, String filter) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int id = packetId();
        body.write(id >> 8);
        body.write(id & 0xff);
        string(body, filter);
        body.write(1); // QoS 1
        connection.send(packet(0x82, body.toByteArray()));
    }

    public void publishQos1(TlsConnection connection, String topic, byte[] payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        int id = packetId();
        body.write(id >> 8);
        body.write(id & 0xff);
        body.writeBytes(payload);
        connection.send(packet(0x32, body.toByteArray()));
    }

    public void ping(TlsConnection connection) {
        connection.send(ByteBuffer.wrap(new byte[] {(byte) 0xC0, 0}));
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
        while (in.hasRemaining() && !connection.isClosed()) {
            int start = in.position();
            int type = in.get() & 0xff;
            int length = 0;
            int shift = 0;
            boolean complete = false;
            while (in.hasRemaining() && shift <= 21) {
                int b = in.get() & 0xff;
                length |= (b & 0x7f) << shift;
                shift += 7;
                if ((b & 0x80) == 0) {
                    complete = true;
                    break;
                }
            }
            if (!complete || in.remaining() < length) {
                in.position(start);
                partial = ByteBuffer.allocate(in.remaining());
                partial.put(in).flip();
                return;
            }
            byte[] body = new byte[length];
            in.get(body);
            handle(connection, type, body, now);
        }
    }

    private void handle(TlsConnection connection, int type, byte[] body, long now) {
        switch (type >> 4) {
            case 2 -> { // CONNACK
                if (body.length >= 2 && body[1] == 0) {
                    listener.onConnected(connection);
                } else {
                    connection.abort();
                }
            }
            case 3 -> { // PUBLISH
                int qos = (type >> 1) & 3;
                int topicLength = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
                String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
                int offset = 2 + topicLength;
                if (qos > 0) {
                    connection.send(ByteBuffer.wrap(new byte[] {0x40, 2, body[offset], body[offset + 1]}));
                    offset += 2;
                }
                byte[] payload = new byte[body.length - offset];
                System.arraycopy(body, offset, payload, 0, payload.length);
                listener.onPublish(connection, topic, payload, now);
            }
            default -> {
                // PUBACK, SUBACK, PINGRESP
            }
        }
    }

    @Override
    public void onClose(TlsConnection connection, String reason) {
        listener.onClose(connection, reason);
    }

    private int packetId() {
        int id = nextPacketId;
        nextPacketId = nextPacketId == 65535 ? 1 : nextPacketId + 1;
        return id;
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xff);
        out.writeBytes(bytes);
    }

    private static ByteBuffer packet(int header, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 5);
        out.write(header);
        int length = body.length;
        do {
            int b = length & 0x7f;
            length >>>= 7;
            out.write(length > 0 ? b | 0x80 : b);
        } while (length > 0);
        out.writeBytes(body);
        return ByteBuffer.wrap(out.toByteArray());
    }
}
