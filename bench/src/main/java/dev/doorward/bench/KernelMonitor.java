package dev.doorward.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's memory-access monitor (DAMON's {@code kdamond} threads), which some machines run (this one's kind
 * does: physical memory sampled every 500 ms, with a page-out scheme). Each sampling takes a core for tens of
 * milliseconds while the servers run, and a ring that arrives then waits for it — the tail of both servers' ring
 * latency on such a machine (docs/benchmarks.md, session 19). Its CPU is read beside each server's, so a reader
 * sees how much of the machine it took during the measurement.
 */
final class KernelMonitor {
    private KernelMonitor() {}

    /** CPU seconds (user + system) the running {@code kdamond} threads have used; 0 when none runs. */
    static double cpuSeconds() {
        double seconds = 0;
        for (Path process : kdamonds()) {
            try {
                seconds += Servers.Sample.cpuSecondsIn(process.resolve("stat"));
            } catch (IOException | RuntimeException e) {
                // it ended meanwhile
            }
        }
        return seconds;
    }

    /** Whether a {@code kdamond} thread runs now. */
    static boolean running() {
        return !kdamonds().isEmpty();
    }

    /** The {@code /proc/<pid>} directories of the running {@code kdamond} threads. */
    private static List<Path> kdamonds() {
        try (var entries = Files.list(Path.of("/proc"))) {
            return entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return Files.readString(p.resolve("comm")).startsWith("kdamond");
                        } catch (IOException | RuntimeException e) {
                            return false; // ended meanwhile, or not ours to read
                        }
                    })
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
