package dev.doorward.hub.notify;

/**
 * One way a notice reaches people: the open app's stream, Web Push, later MQTT. A channel must return at once —
 * it is called on the path from the button to the ring — and queue or drop what it cannot deliver now.
 */
public interface NoticeChannel {
    void deliver(Audience audience, Notice notice);

    /**
     * Whether {@link #deliver} would take a notice for this household on a network thread: it reads nothing but
     * memory, takes no lock another thread holds for long, and waits for no socket or queue. A ring is then told on
     * the thread that read it from the doorbell ({@link Notifier#toHouseholdAtOnce}). Not unless a channel says so.
     */
    default boolean takesAtOnce(Audience.Household audience) {
        return false;
    }

    /**
     * {@link #deliver} on a network thread, once {@link #takesAtOnce} said yes for this audience. What changed since
     * (a socket that opened in between) must still not make the thread wait: a channel where it could overrides this.
     */
    default void deliverAtOnce(Audience.Household audience, Notice notice) {
        deliver(audience, notice);
    }
}
