package dev.doorward.hub.database;

import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Tells every open app when the database is lost and when it is back, so members know why history waits. */
@Component
class HealthNotices {
    private final Notifier notifier;

    HealthNotices(Notifier notifier) {
        this.notifier = notifier;
    }

    @EventListener
    void on(DatabaseHealthChanged change) {
        notifier.toEveryone(new Notice.HubHealth(change.up()));
    }
}
