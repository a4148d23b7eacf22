package dev.doorward.hub.stream;

/** One open app's member stream, whichever server carries it (the live port, or the browser port's fallback). */
interface MemberSocket {
    /** The signed-in account it was opened as. */
    String accountId();

    /** The browser session (the cookie's id) it was opened with: it closes when that session ends. */
    String browserSession();

    /** Queues a message without waiting for the browser; one that stopped reading is closed instead. */
    void send(String json);

    /** Closes it with this WebSocket close code. Idempotent. */
    void close(int code, String reason);
}
