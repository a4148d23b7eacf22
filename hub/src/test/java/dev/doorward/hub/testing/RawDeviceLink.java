package dev.doorward.hub.testing;

import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.ownership.OwnershipStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;

/**
 * A device link driven by hand, to send what a well-behaved agent never would: malformed, oversized,
 * replayed and out-of-place messages. Real mutual TLS with a real device's credential.
 */
public final class RawDeviceLink extends TextMessages implements AutoCloseable {
    /** Held so the client is not collected: an unreachable HttpClient closes its WebSockets (1001). */
    private HttpClient client;

    private RawDeviceLink() {}

    /** Connects with the operational credential a claimed device keeps in its protected store. */
    public static RawDeviceLink asOwnedDevice(TestHub hub, Path deviceDir) {
        DeviceIdentity identity = DeviceIdentity.load(deviceDir);
        Credential operational = new OwnershipStore(new DeviceLayout(deviceDir).protectedDir())
                .load()
                .operationalCredential(identity.credential().privateKey());
        return connect(hub, operational);
    }

    /** Connects with a device's factory certificate, as for a claim. */
    public static RawDeviceLink asFactoryDevice(TestHub hub, Path deviceDir) {
        return connect(hub, DeviceIdentity.load(deviceDir).credential());
    }

    public static RawDeviceLink connect(TestHub hub, Credential credential) {
        return connect(URI.create("wss://localhost:" + hub.devicePort() + "/link"), credential, hub.hubCaCertificate());
    }

    /** Connects to any device-link server whose certificate chains to {@code serverCa}. */
    public static RawDeviceLink connect(URI uri, Credential credential, X509Certificate serverCa) {
        return connect(uri, TlsContexts.client(credential, serverCa));
    }

    /** Over a TLS context of the caller's: one kept across connections resumes its session, as a doorbell does. */
    public static RawDeviceLink connect(URI uri, javax.net.ssl.SSLContext tls) {
        HttpClient client = HttpClient.newBuilder()
                .sslContext(tls)
                .sslParameters(TlsContexts.parameters())
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        RawDeviceLink link = new RawDeviceLink();
        link.client = client;
        client.newWebSocketBuilder().buildAsync(uri, link).join();
        return link;
    }

    /** Sends without waiting for the write (which may fail when the server closes the link first). */
    public void sendWithoutWaiting(String text) {
        socket.sendText(text, true);
    }

    /** Takes the message in hand, then asks for no more: the server's writes pile up behind TCP. */
    public void stopReading() {
        reading = false;
    }

    public void send(String text) {
        socket.sendText(text, true).join();
    }

    /** The next message from the hub, or empty after the timeout. */
    public Optional<String> next(Duration timeout) {
        return poll(timeout.toNanos());
    }

    /** Sends and returns the hub's answer. */
    public String exchange(String text) {
        send(text);
        return next(Duration.ofSeconds(5)).orElseThrow(() -> new AssertionError("no answer from the hub"));
    }

    public Optional<Integer> closeCode() {
        return Optional.ofNullable(closeCode);
    }

    public boolean awaitClosed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (closeCode == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return closeCode != null;
    }

    @Override
    public void close() {
        if (socket != null && closeCode == null) {
            socket.abort();
        }
    }
}
