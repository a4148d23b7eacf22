package dev.doorward.hub.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.module.SimpleModule;

/**
 * How request bodies are read: a text field holds a JSON string (not a number or a boolean quietly turned into
 * one) without a NUL character. None of ours means anything with one, and PostgreSQL cannot store one (it would fail
 * deep inside a route as a 500), so such a body is refused as unreadable (400) where it is parsed.
 */
@Configuration(proxyBeanMethods = false)
class JsonInput {
    @Bean
    JacksonModule noNulInText() {
        return new SimpleModule("doorward-strict-text").addDeserializer(String.class, new StrictText());
    }

    private static final class StrictText extends StringDeserializer {
        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws JacksonException {
            JsonToken token = parser.currentToken();
            if (token != null && (token.isNumeric() || token.isBoolean())) {
                return (String) context.handleUnexpectedToken(String.class, parser);
            }
            String text = super.deserialize(parser, context);
            if (text != null && text.indexOf('\0') >= 0) {
                throw context.weirdStringException(text, String.class, "contains a NUL character");
            }
            return text;
        }
    }
}
