package dev.doorward.hub.cluster;

import java.util.List;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * True when {@code doorward.cluster.nats-urls} names at least one server: only then does any of this package exist
 * in the hub (a single hub creates none of it and pays nothing).
 */
final class Clustered implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return Binder.get(context.getEnvironment())
                .bind("doorward.cluster.nats-urls", Bindable.listOf(String.class))
                .map(List::isEmpty)
                .map(empty -> !empty)
                .orElse(false);
    }
}
