package dev.doorward.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The hub as it is run on JDK 25 and newer (docs/operations.md, "Start-up and warm-up"): its exec jar extracted
 * (classes on the class path, which the JVM can cache; the exec jar's nested jars it cannot) and an ahead-of-time
 * cache (JEP 483 and 515: classes loaded and linked, and the methods' execution profiles) from a training run. So
 * the JIT compiles the ring's and a tap's methods from the start, instead of during the first minutes of rings.
 *
 * <p>The training run is a short run of the same scenarios at a small scale against a hub of its own (its own
 * data directory, no reference); its figures are thrown away.
 */
final class HubAot {
    /** The smallest JDK whose JVM records a cache in one step ({@code -XX:AOTCacheOutput}, JEP 514). */
    static final int FIRST_JDK = 25;

    private static final String RECORD = "-XX:AOTCacheOutput=";

    private HubAot() {}

    static boolean supported() {
        return Runtime.version().feature() >= FIRST_JDK;
    }

    /**
     * Extracts {@code execJar} into {@code dir} with Spring Boot's jar tools.
     *
     * @return the extracted application jar (its manifest names the libraries beside it)
     */
    static Path extract(String javaBin, Path execJar, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process process = new ProcessBuilder(
                        javaBin,
                        "-Djarmode=tools",
                        "-jar",
                        execJar.toString(),
                        "extract",
                        "--force",
                        "--destination",
                        dir.toString())
                .redirectErrorStream(true)
                .start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("Could not extract " + execJar + ": " + new String(output, StandardCharsets.UTF_8));
        }
        Path jar = dir.resolve(execJar.getFileName());
        if (!Files.isRegularFile(jar)) {
            throw new IOException("Extracting " + execJar + " left no " + jar);
        }
        return jar;
    }

    /**
     * How long a training run's hub may take to stop: on its way out its JVM starts another that assembles the cache
     * (12 s on an idle machine of this kind, 28 s during the test suite, measured; killed within it, it writes none
     * and the measured hub starts cold).
     */
    static final Duration ASSEMBLY_GRACE = Duration.ofMinutes(5);

    /** What a training run's hub is started with: the cache is written when it stops. */
    static List<String> recordInto(Path cache) {
        return List.of(RECORD + cache);
    }

    /** Whether a hub started with these JVM options records a cache as it stops. */
    static boolean records(List<String> jvmOptions) {
        return jvmOptions.stream().anyMatch(o -> o.startsWith(RECORD));
    }

    /** What a measured run's hub is started with. */
    static List<String> use(Path cache) {
        return List.of("-XX:AOTCache=" + cache);
    }

    /** A cache the training run wrote (the JVM writes none when its hub was killed instead of stopped). */
    static boolean written(Path cache) throws IOException {
        return Files.isRegularFile(cache) && Files.size(cache) > 0;
    }
}
