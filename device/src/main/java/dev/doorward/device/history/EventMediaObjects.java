package dev.doorward.device.history;

import dev.doorward.device.media.JcodecVideoEncoder;
import dev.doorward.device.media.VideoEncoder;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The plaintext of an event's snapshot and clip (docs/media.md "Event media"), and the associated data that
 * binds a sealed one to its doorbell, event and kind. Sealing happens in {@link dev.doorward.device.media}.
 */
public final class EventMediaObjects {
    /**
     * Longer than any clip (one keyframe at its start), and small: the encoder sizes the H.264 frame counter
     * from it, and browsers refuse a stream whose counter field is wider than the standard allows.
     */
    static final int CLIP_KEYFRAME_INTERVAL = 64;

    private EventMediaObjects() {}

    /** SFrame metadata of an event's media object: the hub cannot move it to another event or kind. */
    public static byte[] associatedData(String deviceId, String eventId, String kind) {
        return ("doorward-event-media:1:" + deviceId + ":" + eventId + ":" + kind).getBytes(StandardCharsets.UTF_8);
    }

    /** 8-byte capture time, then a JPEG of the picture. */
    public static byte[] snapshot(BufferedImage picture, Instant capturedAt) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try (DataOutputStream data = new DataOutputStream(out)) {
            data.writeLong(capturedAt.toEpochMilli());
            data.write(jpeg(picture));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * 8-byte time of the first frame, then each frame as [8-byte time][1 byte keyframe][4-byte length][access
     * unit], starting with a keyframe. Encoded now, from the buffered frames, with an encoder of its own.
     */
    public static byte[] clip(List<FrameBuffer.Frame> frames, int width, int height) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("a clip needs at least one frame");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * 1024);
        try (VideoEncoder encoder = new JcodecVideoEncoder(width, height, CLIP_KEYFRAME_INTERVAL);
                DataOutputStream data = new DataOutputStream(out)) {
            data.writeLong(frames.getFirst().at().toEpochMilli());
            boolean first = true;
            for (FrameBuffer.Frame frame : frames) {
                VideoEncoder.EncodedFrame encoded = encoder.encode(frame.image(), first);
                first = false;
                data.writeLong(frame.at().toEpochMilli());
                data.writeByte(encoded.keyframe() ? 1 : 0);
                data.writeInt(encoded.accessUnit().length);
                data.write(encoded.accessUnit());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("clip encoding failed", e);
        }
        return out.toByteArray();
    }

    private static byte[] jpeg(BufferedImage picture) throws IOException {
        BufferedImage rgb = picture;
        if (picture.getType() != BufferedImage.TYPE_INT_RGB) {
            rgb = new BufferedImage(picture.getWidth(), picture.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(picture, 0, 0, null);
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.8f);
            writer.write(null, new IIOImage(rgb, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
