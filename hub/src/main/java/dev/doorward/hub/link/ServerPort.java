package dev.doorward.hub.link;

import dev.doorward.hub.link.transport.LinkServer;
import org.springframework.context.SmartLifecycle;

/**
 * A port served by a {@link LinkServer} as part of the hub's lifecycle: opened once the application is ready
 * (after the database), closed first when it stops, so no connection outlives what it needs.
 */
public abstract class ServerPort implements SmartLifecycle {
    private volatile LinkServer server;

    /** Opens the port's server; null when the port is switched off in the settings. */
    protected abstract LinkServer open() throws InterruptedException;

    @Override
    public final void start() {
        try {
            server = open();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "interrupted while opening " + getClass().getSimpleName(), e);
        }
    }

    @Override
    public final void stop() {
        LinkServer running = server;
        server = null;
        if (running != null) {
            running.close();
        }
    }

    @Override
    public final boolean isRunning() {
        return server != null;
    }
}
