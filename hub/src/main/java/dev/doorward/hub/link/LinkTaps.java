package dev.doorward.hub.link;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.springframework.stereotype.Component;

/**
 * Lets a test see every control message on the device links in plain text (after TLS), to prove what is
 * never sent. Empty in production: the cost on the message path is one check of an empty list.
 */
@Component
public class LinkTaps {
    public enum Direction {
        FROM_DEVICE,
        TO_DEVICE
    }

    private final List<BiConsumer<Direction, String>> taps = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<Direction, java.nio.ByteBuffer>> binaryTaps = new CopyOnWriteArrayList<>();

    /** Sees every binary media part on the device links (read-only views; copy what you keep). */
    public void addBinary(BiConsumer<Direction, java.nio.ByteBuffer> tap) {
        binaryTaps.add(tap);
    }

    public void removeBinary(BiConsumer<Direction, java.nio.ByteBuffer> tap) {
        binaryTaps.remove(tap);
    }

    void seenBinary(Direction direction, java.nio.ByteBuffer part) {
        if (!binaryTaps.isEmpty()) {
            binaryTaps.forEach(tap -> tap.accept(direction, part.asReadOnlyBuffer()));
        }
    }

    public void add(BiConsumer<Direction, String> tap) {
        taps.add(tap);
    }

    public void remove(BiConsumer<Direction, String> tap) {
        taps.remove(tap);
    }

    void seen(Direction direction, String text) {
        if (!taps.isEmpty()) {
            taps.forEach(tap -> tap.accept(direction, text));
        }
    }
}
