package dev.doorward.device.media;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.nio.ByteBuffer;
import org.jcodec.codecs.h264.H264Encoder;
import org.jcodec.codecs.h264.io.model.SliceType;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Rect;

/**
 * The default, pure-Java encoder: jcodec 0.2.5's H.264 Baseline encoder (I and P frames, CAVLC, no B
 * frames), which needs no native code on the doorbell. TECH-NOTES measured about 25 frames/s at 640x480 on
 * one core and about four times that at 320x240, which is why live view scales down to 320x240 by default.
 *
 * <p>The frame type is decided here, not by jcodec: its own {@code encodeFrame} cannot be told to make a
 * keyframe out of turn and its {@code encodeIDRFrame} leaves it about to make a second one. So this class
 * keeps the frame number itself and calls {@code doEncodeFrame}, which writes SPS and PPS before every IDR.
 *
 * <p>Colour: BT.601 limited range (Y 16–235), what a browser's decoder assumes when the SPS carries no
 * colour description (jcodec writes none).
 */
public final class JcodecVideoEncoder implements VideoEncoder {
    public static final int DEFAULT_WIDTH = 320;
    public static final int DEFAULT_HEIGHT = 240;
    public static final int DEFAULT_FPS = 10;
    /** Seconds between keyframes by default: how long a viewer who lost a frame waits for a clean picture. */
    public static final int DEFAULT_KEYFRAME_SECONDS = 2;

    private final int width;
    private final int height;
    private final int keyframeInterval;
    private final H264Encoder encoder;
    private final BufferedImage scaled;
    private final Picture picture;
    private final ByteBuffer output;
    /** Frames since the last IDR; the H.264 frame_num of the next P frame. */
    private int sinceKeyframe = -1;

    /** 320x240, a keyframe every 2 s at 10 frames/s. */
    public JcodecVideoEncoder() {
        this(DEFAULT_WIDTH, DEFAULT_HEIGHT, DEFAULT_FPS * DEFAULT_KEYFRAME_SECONDS);
    }

    /**
     * @param width even, 16 to 1920
     * @param height even, 16 to 1088
     * @param keyframeInterval frames from one keyframe to the next (1 = every frame a keyframe)
     */
    public JcodecVideoEncoder(int width, int height, int keyframeInterval) {
        if (width < 16 || height < 16 || width > 1920 || height > 1088 || width % 2 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("picture size must be even, 16x16 to 1920x1088");
        }
        if (keyframeInterval < 1) {
            throw new IllegalArgumentException("keyframe interval must be at least 1");
        }
        this.width = width;
        this.height = height;
        this.keyframeInterval = keyframeInterval;
        this.encoder = H264Encoder.createH264Encoder();
        // Sizes frame_num so that it never wraps inside a GOP.
        encoder.setKeyInterval(keyframeInterval);
        this.scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int codedWidth = (width + 15) & ~15;
        int codedHeight = (height + 15) & ~15;
        this.picture =
                Picture.createCropped(codedWidth, codedHeight, ColorSpace.YUV420J, new Rect(0, 0, width, height));
        // doEncodeFrame never writes more than width x height bytes of slice data plus SPS/PPS and escaping.
        this.output = ByteBuffer.allocate(codedWidth * codedHeight * 2 + 4096);
    }

    /** A keyframe every {@code keyframeSeconds} at {@code fps}. */
    public static JcodecVideoEncoder forFrameRate(int width, int height, int fps, int keyframeSeconds) {
        if (fps < 1 || keyframeSeconds < 1) {
            throw new IllegalArgumentException("fps and keyframe seconds must be positive");
        }
        return new JcodecVideoEncoder(width, height, fps * keyframeSeconds);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int keyframeInterval() {
        return keyframeInterval;
    }

    @Override
    public EncodedFrame encode(BufferedImage image, boolean forceKeyframe) {
        scale(image);
        toYuv420();
        boolean keyframe = forceKeyframe || sinceKeyframe < 0 || sinceKeyframe >= keyframeInterval - 1;
        output.clear();
        ByteBuffer encoded;
        if (keyframe) {
            encoded = encoder.doEncodeFrame(picture, output, true, 0, SliceType.I);
            sinceKeyframe = 0;
        } else {
            sinceKeyframe++;
            encoded = encoder.doEncodeFrame(picture, output, false, sinceKeyframe, SliceType.P);
        }
        byte[] accessUnit = new byte[encoded.remaining()];
        encoded.get(accessUnit);
        return new EncodedFrame(accessUnit, keyframe);
    }

    private void scale(BufferedImage image) {
        Graphics2D g = scaled.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
    }

    /**
     * RGB to planar 4:2:0, edge pixels repeated into the macroblock padding. jcodec stores a sample as
     * {@code value - 128} in a signed byte.
     */
    private void toYuv420() {
        int[] rgb = ((DataBufferInt) scaled.getRaster().getDataBuffer()).getData();
        byte[] y = picture.getPlaneData(0);
        byte[] u = picture.getPlaneData(1);
        byte[] v = picture.getPlaneData(2);
        int codedWidth = picture.getWidth();
        int codedHeight = picture.getHeight();
        for (int row = 0; row < codedHeight; row++) {
            int sourceRow = Math.min(row, height - 1) * width;
            int out = row * codedWidth;
            for (int col = 0; col < codedWidth; col++) {
                int p = rgb[sourceRow + Math.min(col, width - 1)];
                int r = (p >> 16) & 0xff;
                int gr = (p >> 8) & 0xff;
                int b = p & 0xff;
                y[out + col] = (byte) (((66 * r + 129 * gr + 25 * b + 128) >> 8) + 16 - 128);
            }
        }
        int chromaWidth = codedWidth / 2;
        for (int row = 0; row < codedHeight / 2; row++) {
            int top = Math.min(2 * row, height - 2) * width;
            int out = row * chromaWidth;
            for (int col = 0; col < chromaWidth; col++) {
                int x = Math.min(2 * col, width - 2);
                int p00 = rgb[top + x];
                int p01 = rgb[top + x + 1];
                int p10 = rgb[top + width + x];
                int p11 = rgb[top + width + x + 1];
                int r = (((p00 >> 16) & 0xff) + ((p01 >> 16) & 0xff) + ((p10 >> 16) & 0xff) + ((p11 >> 16) & 0xff) + 2)
                        >> 2;
                int gr = (((p00 >> 8) & 0xff) + ((p01 >> 8) & 0xff) + ((p10 >> 8) & 0xff) + ((p11 >> 8) & 0xff) + 2)
                        >> 2;
                int b = ((p00 & 0xff) + (p01 & 0xff) + (p10 & 0xff) + (p11 & 0xff) + 2) >> 2;
                u[out + col] = (byte) (((-38 * r - 74 * gr + 112 * b + 128) >> 8) + 128 - 128);
                v[out + col] = (byte) (((112 * r - 94 * gr - 18 * b + 128) >> 8) + 128 - 128);
            }
        }
    }

    @Override
    public String toString() {
        return "JcodecVideoEncoder[" + width + "x" + height + ", keyframe every " + keyframeInterval + "]";
    }
}
