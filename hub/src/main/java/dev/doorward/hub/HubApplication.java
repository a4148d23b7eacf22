package dev.doorward.hub;

import dev.doorward.hub.config.HubProperties;
import io.netty.util.ResourceLeakDetector;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.scheduling.annotation.EnableScheduling;

@SpringBootApplication
@EnableScheduling
@EnableConfigurationProperties(HubProperties.class)
public class HubApplication {

    public static void main(String[] args) {
        configureTls();
        // Netty samples one buffer in 128 for leak tracking, with a stack trace each: a cost on the media path that
        // tests keep (they run without main) and the running hub does not pay. -Dio.netty.leakDetection.level wins.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        SpringApplication.run(HubApplication.class, args);
    }

    /** X25519 first: cheaper handshakes for reconnect storms (see DESIGN §11). */
    public static void configureTls() {
        System.setProperty("jdk.tls.namedGroups", "x25519,secp256r1");
    }
}
