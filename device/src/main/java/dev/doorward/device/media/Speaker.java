package dev.doorward.device.media;

/**
 * Where opened talk audio goes: 20 ms frames of 16 kHz mono signed 16-bit little-endian PCM, in the order
 * they were opened. Implementations must not block for long: they run on the link's receiving thread.
 */
public interface Speaker {
    void play(byte[] pcm);
}
