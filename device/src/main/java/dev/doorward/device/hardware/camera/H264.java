package dev.doorward.device.hardware.camera;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The few facts about an H.264 Annex B access unit the agent needs: its NAL units, keyframes, the codec string. */
public final class H264 {
    public static final int NAL_IDR = 5;
    public static final int NAL_SEI = 6;
    public static final int NAL_SPS = 7;
    public static final int NAL_PPS = 8;
    public static final int NAL_AUD = 9;

    private static final byte[] START = {0, 0, 0, 1};

    private H264() {}

    /** The NAL units of an Annex B byte string (3- or 4-byte start codes), without their start codes. */
    public static List<byte[]> nalUnits(byte[] annexB) {
        List<byte[]> units = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i + 2 < annexB.length) {
            if (annexB[i] == 0 && annexB[i + 1] == 0 && annexB[i + 2] == 1) {
                if (start >= 0) {
                    units.add(java.util.Arrays.copyOfRange(annexB, start, trimZeros(annexB, start, i)));
                }
                i += 3;
                start = i;
            } else {
                i++;
            }
        }
        if (start >= 0 && start < annexB.length) {
            units.add(java.util.Arrays.copyOfRange(annexB, start, annexB.length));
        }
        return units;
    }

    /** The end of a NAL unit that is followed by a start code: a 4-byte start code's leading zero is not data. */
    private static int trimZeros(byte[] data, int start, int end) {
        while (end > start && data[end - 1] == 0) {
            end--;
        }
        return end;
    }

    public static int type(byte[] nal) {
        return nal.length == 0 ? -1 : nal[0] & 0x1f;
    }

    /** Annex B with 4-byte start codes. */
    public static byte[] annexB(List<byte[]> nals) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] nal : nals) {
            out.writeBytes(START);
            out.writeBytes(nal);
        }
        return out.toByteArray();
    }

    public static boolean isKeyframe(List<byte[]> nals) {
        return nals.stream().anyMatch(n -> type(n) == NAL_IDR);
    }

    /**
     * The WebCodecs/RFC 6381 codec string of a sequence parameter set: {@code avc1.PPCCLL}, profile, constraint
     * flags and level in hex, so the browser's decoder is configured for the profile the camera really sends.
     */
    public static String codecString(byte[] sps) {
        if (type(sps) != NAL_SPS || sps.length < 4) {
            throw new IllegalArgumentException("not a sequence parameter set");
        }
        return "avc1." + HexFormat.of().withUpperCase().formatHex(sps, 1, 4);
    }

    /** The codec string of the first SPS in an access unit, if it has one. */
    public static Optional<String> codecString(List<byte[]> nals) {
        return nals.stream()
                .filter(n -> type(n) == NAL_SPS && n.length >= 4)
                .findFirst()
                .map(H264::codecString);
    }
}
