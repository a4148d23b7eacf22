package dev.doorward.hub.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.stereotype.Component;

/**
 * Fails start-up on any {@code doorward.*} key that {@link HubProperties} does not have, so a typo never
 * silently falls back to a default. (Spring's {@code ignoreUnknownFields=false} does not apply to records.)
 * Environment variables are not checked: their names cannot be mapped back unambiguously.
 */
@Component
class StrictConfiguration {
    private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("doorward");

    StrictConfiguration(ConfigurableEnvironment environment) {
        List<ConfigurationPropertyName> known = new ArrayList<>();
        collect(HubProperties.class, ROOT, known);
        List<String> unknown = new ArrayList<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource iterable) || fromEnvironmentVariables(source)) {
                continue;
            }
            iterable.stream()
                    .filter(ROOT::isAncestorOf)
                    .filter(name -> known.stream().noneMatch(k -> k.equals(name) || k.isAncestorOf(name)))
                    .forEach(name -> unknown.add(name.toString()));
        }
        if (!unknown.isEmpty()) {
            throw new IllegalStateException(
                    "Unknown Doorward setting(s): " + String.join(", ", unknown) + ". Known settings: " + known);
        }
    }

    private static boolean fromEnvironmentVariables(ConfigurationPropertySource source) {
        return source.getUnderlyingSource() instanceof PropertySource<?> ps
                && ps instanceof SystemEnvironmentPropertySource;
    }

    private static void collect(Class<?> type, ConfigurationPropertyName prefix, List<ConfigurationPropertyName> out) {
        for (RecordComponent component : type.getRecordComponents()) {
            ConfigurationPropertyName name = prefix.append(ConfigurationPropertyName.adapt(component.getName(), '.'));
            if (component.getType().isRecord()) {
                collect(component.getType(), name, out);
            } else {
                out.add(name);
            }
        }
    }
}
