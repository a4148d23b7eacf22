package dev.doorward.bench.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One selector thread serving many {@link TlsConnection}s. All work on a connection happens on its loop's
 * thread; other threads hand work over with {@link #execute}. Scratch buffers are shared by the loop's
 * connections, so an idle connection holds no buffer of its own.
 */
public final class Loop implements AutoCloseable {
    final Selector selector;
    /** Network bytes read (plus an earlier partial TLS record). */
    final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
    /** Plaintext out of unwrap. */
    final ByteBuffer plainBuffer = ByteBuffer.allocate(96 * 1024);
    /** TLS records out of wrap. */
    final ByteBuffer wrapBuffer = ByteBuffer.allocateDirect(96 * 1024);

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<Timer> timers = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    private record Timer(long periodNanos, Runnable task, long[] next) {}

    public Loop(String name) {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Runs {@code task} on the loop thread every {@code periodMillis}. */
    public void every(long periodMillis, Runnable task) {
        execute(() -> timers.add(new Timer(
                periodMillis * 1_000_000L, task, new long[] {System.nanoTime() + periodMillis * 1_000_000L})));
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        while (running) {
            try {
                selector.select(50);
                var keys = selector.selectedKeys();
                for (SelectionKey key : keys) {
                    TlsConnection connection = (TlsConnection) key.attachment();
                    connection.onReady(key);
                }
                keys.clear();
                Runnable task;
                int budget = 100_000;
                while (budget-- > 0 && (task = tasks.poll()) != null) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        System.err.println("loop task failed: " + e);
                    }
                }
                long now = System.nanoTime();
                for (Timer timer : timers) {
                    if (now >= timer.next()[0]) {
                        timer.next()[0] = now + timer.periodNanos();
                        timer.task().run();
                    }
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("loop failed: " + e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(2_000);
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
        } catch (IOException | InterruptedException e) {
            // closing anyway
        }
    }
}
