package dev.doorward.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        try (var processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.toList()) {
                String name = process.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                try {
                    if (!Files.readString(process.resolve("comm")).startsWith("kdamond")) {
                        continue;
                    }
                    String stat = Files.readString(process.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    seconds += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
                } catch (IOException | RuntimeException e) {
                    // the process ended meanwhile, or is not ours to read
                }
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return seconds;
    }

    /** Whether a {@code kdamond} thread runs now. */
    static boolean running() {
        try (var processes = Files.list(Path.of("/proc"))) {
            return processes.anyMatch(p -> {
                try {
                    return Files.readString(p.resolve("comm")).startsWith("kdamond");
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }
}
