package dev.doorward.hub.notify;

/**
 * One way a notice reaches people: the open app's stream, Web Push, later MQTT. A channel must return at once —
 * it is called on the path from the button to the ring — and queue or drop what it cannot deliver now.
 */
public interface NoticeChannel {
    void deliver(Audience audience, Notice notice);
}
