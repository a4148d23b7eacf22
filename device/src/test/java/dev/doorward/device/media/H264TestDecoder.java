package dev.doorward.device.media;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import org.jcodec.codecs.h264.H264Decoder;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;

/**
 * Decodes what the encoder produced with jcodec's own, independent H.264 decoder and turns it back into RGB
 * (BT.601 limited range), so tests can look at the picture a viewer would see.
 */
final class H264TestDecoder {
    private final H264Decoder decoder = new H264Decoder();
    private final byte[][] buffer;

    H264TestDecoder(int width, int height) {
        int codedWidth = (width + 15) & ~15;
        int codedHeight = (height + 15) & ~15;
        buffer = Picture.create(codedWidth, codedHeight, ColorSpace.YUV420J).getData();
    }

    BufferedImage decode(byte[] accessUnit) {
        Picture picture = decoder.decodeFrame(ByteBuffer.wrap(accessUnit), buffer);
        if (picture == null) {
            throw new IllegalStateException("the decoder returned no picture");
        }
        return toRgb(picture);
    }

    static BufferedImage toRgb(Picture picture) {
        int width = picture.getCroppedWidth();
        int height = picture.getCroppedHeight();
        int stride = picture.getPlaneWidth(0);
        int chromaStride = picture.getPlaneWidth(1);
        byte[] y = picture.getPlaneData(0);
        byte[] u = picture.getPlaneData(1);
        byte[] v = picture.getPlaneData(2);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int row = 0; row < height; row++) {
            for (int col = 0; col < width; col++) {
                double luma = 1.164 * ((y[row * stride + col] + 128) - 16);
                int c = (row / 2) * chromaStride + col / 2;
                double cb = (u[c] + 128) - 128;
                double cr = (v[c] + 128) - 128;
                int r = clamp(luma + 1.596 * cr);
                int g = clamp(luma - 0.813 * cr - 0.391 * cb);
                int b = clamp(luma + 2.018 * cb);
                image.setRGB(col, row, (r << 16) | (g << 8) | b);
            }
        }
        return image;
    }

    private static int clamp(double value) {
        return (int) Math.max(0, Math.min(255, Math.round(value)));
    }

    /** Mean red, green and blue of a rectangle. */
    static double[] meanRgb(BufferedImage image, int x, int y, int w, int h) {
        double[] sum = new double[3];
        for (int row = y; row < y + h; row++) {
            for (int col = x; col < x + w; col++) {
                int p = image.getRGB(col, row);
                sum[0] += (p >> 16) & 0xff;
                sum[1] += (p >> 8) & 0xff;
                sum[2] += p & 0xff;
            }
        }
        for (int i = 0; i < 3; i++) {
            sum[i] /= (double) w * h;
        }
        return sum;
    }

    /** Mean absolute difference of the grey levels of two same-sized regions. */
    static double difference(BufferedImage a, BufferedImage b, int x, int y, int w, int h) {
        double sum = 0;
        for (int row = y; row < y + h; row++) {
            for (int col = x; col < x + w; col++) {
                sum += Math.abs(grey(a.getRGB(col, row)) - grey(b.getRGB(col, row)));
            }
        }
        return sum / ((double) w * h);
    }

    private static int grey(int p) {
        return (((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff)) / 3;
    }
}
