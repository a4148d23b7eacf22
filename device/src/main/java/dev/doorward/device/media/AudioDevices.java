package dev.doorward.device.media;

/**
 * A real doorbell's sound card: its microphone (into the sealed live stream) and its speaker (talk). Either
 * may be null: the simulator's beeping microphone, or talk written to the WAV file in the data directory.
 * A speaker that is {@link AutoCloseable} is closed with the live media.
 */
public record AudioDevices(Microphone microphone, Speaker speaker) {}
