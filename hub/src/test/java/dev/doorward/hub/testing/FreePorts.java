package dev.doorward.hub.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/**
 * Ports a test picks before the program that listens on them starts, or starts again after a fault: a broker, a
 * hub in its own JVM, the nodes behind HAProxy. They come from below the kernel's ephemeral range, because a port
 * from that range (what port 0 gives) can be handed to any outgoing connection on the machine while nothing listens
 * on it yet: with the browser tests running beside the fault tests, a hub JVM once found "its" port taken.
 */
public final class FreePorts {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int LOWEST = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private FreePorts() {}

    /** A port free on every one of these addresses right now (on all of the machine's when none is given). */
    public static int on(String... addresses) {
        int below = ephemeralLow();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = below > LOWEST + 1_000 ? LOWEST + RANDOM.nextInt(below - LOWEST) : kernelsChoice(addresses);
            if (freeOnAll(port, addresses)) {
                return port;
            }
        }
        throw new IllegalStateException("no port free on all of " + List.of(addresses));
    }

    private static int ephemeralLow() {
        try {
            // Line by line: Files.readString gives only the first byte of this procfs file (its size reads as 0).
            return Integer.parseInt(
                    Files.readAllLines(EPHEMERAL_RANGE).get(0).strip().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default
        }
    }

    /** Where the range leaves no room below it: what the kernel picks, as before. */
    private static int kernelsChoice(String... addresses) {
        try (ServerSocket probe = addresses.length == 0
                ? new ServerSocket(0)
                : new ServerSocket(0, 1, InetAddress.getByName(addresses[0]))) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean freeOnAll(int port, String... addresses) {
        if (addresses.length == 0) {
            try (ServerSocket probe = new ServerSocket(port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        for (String address : addresses) {
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName(address))) {
                probe.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
