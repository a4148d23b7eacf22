package dev.doorward.hub.blob;

import dev.doorward.hub.config.HubProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The blob store: files under {@code doorward.blob-dir} (default {@code <data-dir>/blobs}). */
@Configuration(proxyBeanMethods = false)
class BlobStoreConfig {
    @Bean
    BlobStore blobStore(HubProperties properties) {
        return new FileBlobStore(properties.blobDirectory());
    }
}
