package dev.doorward.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A load balancer reduced to what a cluster test needs: TCP on 127.0.0.1:port passed through (TLS untouched) to the
 * same port on the node it is pointed at now. Pointing it at another node closes every open connection, so the
 * browser's next request (and its live socket) reaches that node, as when a balancer moves a browser to another node:
 * the page keeps its one origin, its cookie and its keys.
 */
final class SwitchableRelay implements AutoCloseable {
    private final ServerSocket server;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile InetAddress target;

    SwitchableRelay(int port, String target) throws IOException {
        this.port = port;
        this.target = InetAddress.getByName(target);
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        Thread.ofVirtual().start(this::accept);
    }

    /** From now on, to this node; what is open is closed. */
    void pointAt(String node) throws IOException {
        target = InetAddress.getByName(node);
        connections.set(0);
        for (Socket socket : open) {
            socket.close();
        }
    }

    /** Connections made to the node pointed at since it was. */
    int connections() {
        return connections.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target, port);
                connections.incrementAndGet();
                open.add(client);
                open.add(upstream);
                Thread.ofVirtual().start(() -> pipe(client, upstream));
                Thread.ofVirtual().start(() -> pipe(upstream, client));
            } catch (IOException e) {
                // closed, or the node refused: the client sees its connection end
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            close(from);
            close(to);
        }
    }

    private void close(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
    }
}
