package dev.doorward.hub.cluster;

import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import java.nio.file.Path;

/**
 * Prints the NATS password the nodes derive from a join secret file, for the cluster launcher that writes the NATS
 * servers' configuration (user {@value ClusterKeys#NATS_USER}):
 * {@code java -cp hub.jar -Dloader.main=dev.doorward.hub.cluster.NatsPasswordMain
 * org.springframework.boot.loader.launch.PropertiesLauncher <join-secret-file>}. The same checks as a node's apply
 * to the file (mode 0600, at least 32 bytes).
 */
public final class NatsPasswordMain {
    private NatsPasswordMain() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: NatsPasswordMain <join-secret-file>");
            System.exit(2);
        }
        try {
            System.out.println(ClusterKeys.natsPassword(JoinSecret.read(Path.of(args[0]))));
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
