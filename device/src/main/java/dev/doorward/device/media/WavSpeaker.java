package dev.doorward.device.media;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The simulator's speaker: appends talk audio to a WAV file (16 kHz, mono, 16-bit PCM). The header's sizes
 * are rewritten after every frame, data first and sizes second, so the file is a valid WAV of everything
 * heard so far at any moment: a test or a person can open it while the doorbell runs.
 */
public final class WavSpeaker implements Speaker, Closeable {
    static final int HEADER_BYTES = 44;
    /** The RIFF size field is 32 bits; beyond this the file stops growing (about 37 hours of talk). */
    static final long MAX_DATA_BYTES = 0xFFFF_FFFFL - (HEADER_BYTES - 8);

    private final FileChannel channel;
    private long dataBytes;
    private long droppedFrames;

    /** Creates (or empties) {@code file} and writes the header of an empty recording. */
    public WavSpeaker(Path file) throws IOException {
        this.channel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        // What members said at the door: the doorbell's user's alone.
        dev.doorward.device.files.AtomicFiles.ownerOnly(file);
        writeFully(header(0), 0);
    }

    @Override
    public synchronized void play(byte[] pcm) {
        if (pcm.length % 2 != 0) {
            throw new IllegalArgumentException("16-bit samples come in byte pairs");
        }
        if (dataBytes + pcm.length > MAX_DATA_BYTES) {
            droppedFrames++;
            return;
        }
        try {
            writeFully(ByteBuffer.wrap(pcm), HEADER_BYTES + dataBytes);
            dataBytes += pcm.length;
            ByteBuffer sizes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            writeFully(sizes.putInt(0, (int) (HEADER_BYTES - 8 + dataBytes)), 4);
            writeFully(sizes.putInt(0, (int) dataBytes), 40);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** PCM bytes written so far. */
    public synchronized long dataBytes() {
        return dataBytes;
    }

    public synchronized long droppedFrames() {
        return droppedFrames;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    private void writeFully(ByteBuffer buffer, long position) throws IOException {
        ByteBuffer in = buffer.duplicate().rewind();
        long at = position;
        while (in.hasRemaining()) {
            at += channel.write(in, at);
        }
    }

    static ByteBuffer header(long dataBytes) {
        int channels = 1;
        int bits = 16;
        int rate = Microphone.SAMPLE_RATE;
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        header.putInt((int) (HEADER_BYTES - 8 + dataBytes));
        header.put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        header.putInt(16);
        header.putShort((short) 1); // PCM
        header.putShort((short) channels);
        header.putInt(rate);
        header.putInt(rate * channels * bits / 8);
        header.putShort((short) (channels * bits / 8));
        header.putShort((short) bits);
        header.put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        header.putInt((int) dataBytes);
        return header.flip();
    }
}
