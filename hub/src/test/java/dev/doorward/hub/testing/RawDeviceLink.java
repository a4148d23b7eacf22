package dev.doorward.hub.testing;

import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.ownership.OwnershipStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A device link driven by hand, to send what a well-behaved agent never would: malformed, oversized,
 * replayed and out-of-place messages. Real mutual TLS with a real device's credential.
 */
public final class RawDeviceLink implements WebSocket.Listener, AutoCloseable {
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket socket;
    private volatile Integer closeCode;

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
        X509Certificate hubCa = hub.hubCaCertificate();
        HttpClient client = HttpClient.newBuilder()
                .sslContext(TlsContexts.client(credential, hubCa))
                .sslParameters(TlsContexts.parameters())
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        RawDeviceLink link = new RawDeviceLink();
        client.newWebSocketBuilder()
                .buildAsync(URI.create("wss://localhost:" + hub.devicePort() + "/link"), link)
                .join();
        return link;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            received.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode = statusCode;
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        if (closeCode == null) {
            closeCode = -1;
        }
    }

    public void send(String text) {
        socket.sendText(text, true).join();
    }

    /** The next message from the hub, or empty after the timeout. */
    public Optional<String> next(Duration timeout) {
        try {
            return Optional.ofNullable(received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
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
