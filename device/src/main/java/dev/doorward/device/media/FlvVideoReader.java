package dev.doorward.device.media;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the H.264 video of an FLV byte stream, ffmpeg's {@code -f flv} output. FLV is used between ffmpeg and
 * the agent because each tag says its length: an access unit is complete the moment its tag is, one frame
 * earlier than a raw Annex B stream could say so. Each access unit comes back exactly as ffmpeg received it
 * (every NAL unit, unchanged); the decoder configuration record gives the SPS and PPS. Both ffmpeg pipelines read
 * through it: the camera's ({@code hardware.camera.FfmpegCamera}) and the encoder's ({@link FfmpegVideoEncoder}).
 */
public final class FlvVideoReader {
    /** Larger tags are refused: no camera sends a 16 MB frame, a broken stream might claim one. */
    public static final int MAX_TAG_BYTES = 16 * 1024 * 1024;

    private final DataInputStream in;
    private int lengthSize = 4;

    /** What a video tag held. */
    public sealed interface Tag {}

    /** The AVCDecoderConfigurationRecord: the parameter sets the camera announced out of band. */
    public record Config(List<byte[]> sps, List<byte[]> pps) implements Tag {}

    /** One access unit's NAL units (without start codes or length prefixes). */
    public record AccessUnit(List<byte[]> nals) implements Tag {}

    public FlvVideoReader(InputStream in) throws IOException {
        this.in = new DataInputStream(in);
        byte[] signature = new byte[3];
        this.in.readFully(signature);
        if (signature[0] != 'F' || signature[1] != 'L' || signature[2] != 'V') {
            throw new IOException("ffmpeg's output is not FLV");
        }
        this.in.readUnsignedByte(); // version
        this.in.readUnsignedByte(); // flags
        int headerSize = this.in.readInt();
        if (headerSize < 9 || headerSize > 1024) {
            throw new IOException("bad FLV header size " + headerSize);
        }
        this.in.skipNBytes(headerSize - 9L + 4); // the rest of the header, PreviousTagSize0
    }

    /** The next H.264 tag; other tags (script data, audio) are skipped. Throws EOFException at the end. */
    public Tag next() throws IOException {
        while (true) {
            int type = in.read();
            if (type < 0) {
                throw new EOFException("end of the FLV stream");
            }
            int size = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
            in.skipNBytes(7); // timestamp, extended timestamp, stream id
            if (size > MAX_TAG_BYTES) {
                throw new IOException("FLV tag of " + size + " bytes");
            }
            byte[] body = new byte[size];
            in.readFully(body);
            in.skipNBytes(4); // previous tag size
            if ((type & 0x1f) != 9 || size < 5 || (body[0] & 0x0f) != 7) {
                continue; // not AVC video
            }
            if (body[1] == 0) {
                return config(body);
            } else if (body[1] == 1) {
                return new AccessUnit(nals(body, 5));
            }
        }
    }

    private Config config(byte[] body) throws IOException {
        // ISO 14496-15: version, profile, compatibility, level, lengthSizeMinusOne, numSPS, SPS..., numPPS, PPS...
        int i = 5;
        if (body.length < i + 6) {
            throw new IOException("short AVC decoder configuration");
        }
        lengthSize = (body[i + 4] & 0x03) + 1;
        i += 5;
        List<byte[]> sps = new ArrayList<>();
        int count = body[i++] & 0x1f;
        i = parameterSets(body, i, count, sps);
        List<byte[]> pps = new ArrayList<>();
        if (i < body.length) {
            count = body[i++] & 0xff;
            parameterSets(body, i, count, pps);
        }
        return new Config(List.copyOf(sps), List.copyOf(pps));
    }

    private static int parameterSets(byte[] body, int i, int count, List<byte[]> out) throws IOException {
        for (int k = 0; k < count; k++) {
            if (i + 2 > body.length) {
                throw new IOException("truncated parameter set");
            }
            int length = ((body[i] & 0xff) << 8) | (body[i + 1] & 0xff);
            i += 2;
            if (length > body.length - i) {
                throw new IOException("truncated parameter set");
            }
            out.add(java.util.Arrays.copyOfRange(body, i, i + length));
            i += length;
        }
        return i;
    }

    private List<byte[]> nals(byte[] body, int offset) throws IOException {
        List<byte[]> nals = new ArrayList<>();
        int i = offset;
        while (i < body.length) {
            if (i + lengthSize > body.length) {
                throw new IOException("truncated NAL length");
            }
            int length = 0;
            for (int k = 0; k < lengthSize; k++) {
                length = (length << 8) | (body[i + k] & 0xff);
            }
            i += lengthSize;
            if (length <= 0 || length > body.length - i) {
                throw new IOException("bad NAL length " + length);
            }
            nals.add(java.util.Arrays.copyOfRange(body, i, i + length));
            i += length;
        }
        return nals;
    }
}
