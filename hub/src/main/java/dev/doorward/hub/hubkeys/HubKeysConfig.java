package dev.doorward.hub.hubkeys;

import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.hub.config.HubProperties;
import java.security.SecureRandom;
import java.time.Clock;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** A single hub's keys live in its data directory; a cluster node's in the shared database (docs/cluster-state.md). */
@Configuration(proxyBeanMethods = false)
class HubKeysConfig {
    @Bean
    @DependsOnDatabaseInitialization
    HubKeys hubKeys(
            HubProperties properties,
            JdbcClient jdbc,
            PlatformTransactionManager transactionManager,
            Clock clock,
            SecureRandom random) {
        HubProperties.Cluster cluster = properties.cluster();
        if (!cluster.clustered()) {
            return new DataDirHubKeys(properties, clock, random);
        }
        return new ClusterHubKeys(
                JoinSecret.read(cluster.joinSecretFile()),
                cluster.nodeName(),
                new DataDirHubKeys(properties, clock, random),
                jdbc,
                new TransactionTemplate(transactionManager),
                clock,
                random);
    }
}
