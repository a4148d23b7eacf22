package dev.doorward.hub.testing;

import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.hub.cluster.ClusterBus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

/**
 * Two hub nodes on one PostgreSQL (node A's embedded server: A must outlive B) and a real nats-server, the first
 * owner made on A before B starts (B, too, would make a setup link on an empty hub). Started and waited for until
 * both nodes' cluster messaging is up; {@link #close()} stops B, A and NATS.
 */
public final class TwoNodes implements AutoCloseable {
    private final Path dir;
    private final Path secretFile;
    public final JoinSecret secret;
    public final NatsServer nats;
    public final TestHub a;
    public final TestHub b;
    public final Household owner;

    private TwoNodes(
            Path dir, Path secretFile, JoinSecret secret, NatsServer nats, TestHub a, TestHub b, Household owner) {
        this.dir = dir;
        this.secretFile = secretFile;
        this.secret = secret;
        this.nats = nats;
        this.a = a;
        this.b = b;
        this.owner = owner;
    }

    /** Starts NATS, node A (with its first owner) and node B under {@code dir}; the join secret is the given text. */
    public static TwoNodes start(Path dir, String joinSecret) {
        try {
            byte[] secretText = joinSecret.getBytes(StandardCharsets.US_ASCII);
            JoinSecret secret = JoinSecret.of(secretText);
            Path secretFile = dir.resolve("join-secret");
            Files.write(secretFile, secretText);
            Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
            NatsServer nats =
                    NatsServer.start(dir.resolve("nats"), ClusterKeys.NATS_USER, ClusterKeys.natsPassword(secret));
            TestHub a = TestHub.start(dir.resolve("a"), node(nats, "a", secretFile));
            Household owner = Household.firstOwner(a);
            TestHub b = TestHub.startNode(dir.resolve("b"), a, node(nats, "b", secretFile));
            TwoNodes nodes = new TwoNodes(dir, secretFile, secret, nats, a, b, owner);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!(a.bean(ClusterBus.class).up() && b.bean(ClusterBus.class).up())) {
                if (System.nanoTime() > deadline) {
                    nodes.close();
                    throw new IllegalStateException("the nodes' cluster messaging did not come up");
                }
                Thread.sleep(20);
            }
            return nodes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts one more node of this cluster (named {@code name}, under dir/name). */
    public TestHub startNode(String name) {
        return TestHub.startNode(dir.resolve(name), a, node(nats, name, secretFile));
    }

    private static Map<String, String> node(NatsServer nats, String name, Path secretFile) {
        return Map.of(
                "doorward.open-signup",
                "true",
                "doorward.cluster.nats-urls",
                nats.url(),
                "doorward.cluster.node-name",
                name,
                "doorward.cluster.join-secret-file",
                secretFile.toString());
    }

    /** Stops B, then A (its database with it), then NATS; one that fails to stop does not keep the next running. */
    @Override
    public void close() {
        Closing.all(b, a, nats);
    }
}
