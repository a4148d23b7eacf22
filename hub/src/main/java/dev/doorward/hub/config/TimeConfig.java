package dev.doorward.hub.config;

import java.security.SecureRandom;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One Clock and one SecureRandom for the whole hub, so tests can replace them. */
@Configuration(proxyBeanMethods = false)
class TimeConfig {
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    SecureRandom secureRandom() {
        return new SecureRandom();
    }
}
