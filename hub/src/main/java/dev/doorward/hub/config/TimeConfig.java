package dev.doorward.hub.config;

import java.security.SecureRandom;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One Clock and one SecureRandom for the whole hub, so tests can replace them. */
@Configuration(proxyBeanMethods = false)
class TimeConfig {
    /** The wall clock, unless a test gave the hub a clock of its own before start-up. */
    @Bean
    @ConditionalOnMissingBean(Clock.class)
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    SecureRandom secureRandom() {
        return new SecureRandom();
    }
}
