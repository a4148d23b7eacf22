package dev.doorward.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One binary media message: a two-byte header and a slice of a sealed SFrame frame (docs/media.md "Binary
 * media parts"). Frames larger than {@link #MAX_BYTES} are cut into parts so that the hub never needs more
 * than an 8 KiB buffer per connection and can forward each part as it arrives.
 */
public record MediaPart(Kind kind, boolean first, boolean last, boolean keyframe, ByteBuffer payload) {

    /** The largest binary message, header included. */
    public static final int MAX_BYTES = 8 * 1024;

    public static final int HEADER_BYTES = 2;
    public static final int MAX_PAYLOAD_BYTES = MAX_BYTES - HEADER_BYTES;

    private static final int FIRST = 0x01;
    private static final int LAST = 0x02;
    private static final int KEYFRAME = 0x04;
    private static final int KNOWN_FLAGS = FIRST | LAST | KEYFRAME;

    /** What a part carries, and so who may send it. */
    public enum Kind {
        /** Doorbell video, doorbell → viewers. */
        VIDEO(1),
        /** Doorbell microphone, doorbell → viewers. */
        AUDIO(2),
        /** A viewer's push-to-talk audio, browser → doorbell. */
        TALK(3),
        /** A sealed snapshot or clip of an event, doorbell → hub (after a media-upload message). */
        EVENT_MEDIA(4);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static Kind of(int code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown media kind");
        }
    }

    public MediaPart {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payload, "payload");
        if (!payload.hasRemaining() || payload.remaining() > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("a media part carries 1 to " + MAX_PAYLOAD_BYTES + " bytes");
        }
        payload = payload.asReadOnlyBuffer();
    }

    /**
     * Reads one binary message. Refuses (with {@link IllegalArgumentException}, never echoing content) an empty
     * or oversized message, an unknown kind or flag. The payload is a view of {@code message}, not a copy.
     */
    public static MediaPart decode(ByteBuffer message) {
        ByteBuffer in = message.duplicate();
        if (in.remaining() <= HEADER_BYTES || in.remaining() > MAX_BYTES) {
            throw new IllegalArgumentException("a media part has 3 to " + MAX_BYTES + " bytes");
        }
        Kind kind = Kind.of(in.get() & 0xff);
        int flags = in.get() & 0xff;
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("unknown media part flags");
        }
        return new MediaPart(kind, (flags & FIRST) != 0, (flags & LAST) != 0, (flags & KEYFRAME) != 0, in.slice());
    }

    /** Reads only the kind and flags of a message the caller forwards unchanged (no allocation). */
    public static Kind peekKind(ByteBuffer message) {
        return decode(message).kind();
    }

    /** This part as one binary message. */
    public ByteBuffer encode() {
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + payload.remaining());
        out.put((byte) kind.code);
        out.put((byte) ((first ? FIRST : 0) | (last ? LAST : 0) | (keyframe ? KEYFRAME : 0)));
        out.put(payload.duplicate());
        return out.flip();
    }

    /** Cuts a sealed frame into binary messages ready to send, in order. */
    public static List<ByteBuffer> split(Kind kind, boolean keyframe, byte[] sealedFrame) {
        if (sealedFrame.length == 0) {
            throw new IllegalArgumentException("empty frame");
        }
        List<ByteBuffer> messages = new ArrayList<>(sealedFrame.length / MAX_PAYLOAD_BYTES + 1);
        for (int offset = 0; offset < sealedFrame.length; offset += MAX_PAYLOAD_BYTES) {
            int length = Math.min(MAX_PAYLOAD_BYTES, sealedFrame.length - offset);
            boolean last = offset + length == sealedFrame.length;
            messages.add(new MediaPart(kind, offset == 0, last, keyframe, ByteBuffer.wrap(sealedFrame, offset, length))
                    .encode());
        }
        return messages;
    }

    /** Joins parts back into frames; refuses a part that does not continue the frame in progress. */
    public static final class Assembler {
        private final int maxFrameBytes;
        private byte[] buffer = new byte[0];
        private int length;
        private boolean inFrame;

        public Assembler(int maxFrameBytes) {
            this.maxFrameBytes = maxFrameBytes;
        }

        /**
         * Adds a part; returns the whole frame when this part completes one, else null. A part out of order
         * (a continuation without a first part, or a new first part before the last one) drops the frame in
         * progress and throws, so one broken frame never corrupts the next.
         */
        public byte[] add(MediaPart part) {
            if (part.first()) {
                if (inFrame) {
                    reset();
                    throw new IllegalArgumentException("a frame started before the previous one ended");
                }
                inFrame = true;
                length = 0;
            } else if (!inFrame) {
                throw new IllegalArgumentException("a continuation part without a first part");
            }
            int size = part.payload().remaining();
            if (length + size > maxFrameBytes) {
                reset();
                throw new IllegalArgumentException("frame larger than " + maxFrameBytes + " bytes");
            }
            if (buffer.length < length + size) {
                buffer = java.util.Arrays.copyOf(
                        buffer, Math.min(maxFrameBytes, Math.max(2 * buffer.length, length + size)));
            }
            part.payload().duplicate().get(buffer, length, size);
            length += size;
            if (!part.last()) {
                return null;
            }
            inFrame = false;
            return java.util.Arrays.copyOf(buffer, length);
        }

        private void reset() {
            inFrame = false;
            length = 0;
        }
    }
}
