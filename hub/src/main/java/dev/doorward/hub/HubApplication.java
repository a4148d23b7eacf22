package dev.doorward.hub;

import dev.doorward.hub.config.HubProperties;
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
        SpringApplication.run(HubApplication.class, args);
    }

    /** X25519 first: cheaper handshakes for reconnect storms (see DESIGN §11). */
    public static void configureTls() {
        System.setProperty("jdk.tls.namedGroups", "x25519,secp256r1");
    }
}
