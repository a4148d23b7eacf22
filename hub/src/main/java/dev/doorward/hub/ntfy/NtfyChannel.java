package dev.doorward.hub.ntfy;

import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.notify.Audience;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.NoticeChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Rings to members' ntfy topics: one short, content-free line per ring ("Front door rang": the doorbell's own
 * name, no picture, no person), to every member who set a topic, chose that doorbell and may use it now (the
 * notifier's audience says who may). The caller only queues; a worker thread resolves, checks and posts, so a slow
 * topic server never holds up a ring. Redirects are not followed.
 */
@Component
class NtfyChannel implements NoticeChannel, DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(NtfyChannel.class);
    private static final int QUEUE = 1_000;

    private final NtfyTopics topics;
    private final TopicUrls urls;
    private final HttpClient http;
    private final ThreadPoolExecutor worker;
    private final AtomicLong dropped = new AtomicLong();

    NtfyChannel(NtfyTopics topics, TopicUrls urls, HubProperties properties) {
        this.topics = topics;
        this.urls = urls;
        SSLParameters tls = new SSLParameters();
        tls.setEndpointIdentificationAlgorithm("HTTPS");
        this.http = HttpClient.newBuilder()
                .sslContext(TlsContexts.publicWebClient(extraAnchors(properties)))
                .sslParameters(tls)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), runnable -> {
            Thread thread = new Thread(runnable, "ntfy-channel");
            thread.setDaemon(true);
            return thread;
        });
        this.worker.setRejectedExecutionHandler((task, executor) -> {
            if (dropped.incrementAndGet() % 100 == 1) {
                log.warn("The ntfy channel is behind; dropped {} rings so far", dropped.get());
            }
        });
    }

    private static List<X509Certificate> extraAnchors(HubProperties properties) {
        if (properties.ntfy().extraTrustAnchor() == null) {
            return List.of();
        }
        try {
            return Pem.parseCertificates(Files.readString(properties.ntfy().extraTrustAnchor()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read doorward.ntfy.extra-trust-anchor", e);
        }
    }

    @Override
    public void deliver(Audience audience, Notice notice) {
        // Most households have no topic: waking the worker for each of their rings was a measurable share of the
        // hub's CPU per ring (docs/benchmarks.md, session 14).
        if (audience instanceof Audience.Household household
                && notice instanceof Notice.Ring ring
                && !topics.knownToHaveNone(household.householdId())) {
            worker.execute(() -> post(household, ring));
        }
    }

    /** The post goes to the channel's worker through a bounded queue, refused when full: never waited for. */
    @Override
    public boolean takesAtOnce(Audience.Household audience) {
        return true;
    }

    private void post(Audience.Household household, Notice.Ring ring) {
        for (NtfyTopics.Topic topic : topics.ofHousehold(household.householdId())) {
            if (!topic.rings(ring.device()) || !household.mayHear().test(topic.accountId())) {
                continue;
            }
            try {
                URI uri = urls.parse(topic.url());
                urls.checkReachable(uri);
                HttpResponse<Void> response = http.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(10))
                                .header("Content-Type", "text/plain; charset=utf-8")
                                .POST(HttpRequest.BodyPublishers.ofString(message(ring)))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() / 100 != 2) {
                    log.info("A member's ntfy server at {} answered {}", topic.host(), response.statusCode());
                }
            } catch (TopicUrls.InvalidTopic e) {
                log.info("Skipped a member's ntfy topic at {}: {}", topic.host(), e.getMessage());
            } catch (IOException e) {
                log.info(
                        "A member's ntfy server at {} cannot be reached: {}",
                        topic.host(),
                        e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The whole message: which doorbell rang, in the words of its owner. */
    static String message(Notice.Ring ring) {
        return ring.deviceName() + " rang";
    }

    @Override
    public void destroy() {
        worker.shutdownNow();
    }
}
