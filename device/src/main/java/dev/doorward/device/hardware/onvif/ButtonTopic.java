package dev.doorward.device.hardware.onvif;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which ONVIF notifications are the doorbell's button: a topic and the simple data item that carries its state.
 * Topics are compared without their namespace prefixes ({@code tns1:RuleEngine/MyRuleDetector/Visitor} and
 * {@code tns:RuleEngine/MyRuleDetector/Visitor} are the same topic for us: doorbells pick their own prefixes).
 *
 * <p>Without a configured topic, the known doorbell topics count: {@code RuleEngine/MyRuleDetector/Visitor} with
 * {@code State} (Reolink's doorbells) and {@code Device/Trigger/DigitalInput} with {@code LogicalState} (a door
 * station's button wired to its digital input).
 */
public final class ButtonTopic {
    public static final String DEFAULT_VALUE = "true";

    private record Rule(String topic, String item, String value) {}

    private static final List<Rule> KNOWN = List.of(
            new Rule("RuleEngine/MyRuleDetector/Visitor", "State", DEFAULT_VALUE),
            new Rule("Device/Trigger/DigitalInput", "LogicalState", DEFAULT_VALUE));

    private final List<Rule> rules;

    private ButtonTopic(List<Rule> rules) {
        this.rules = rules;
    }

    /** The known doorbell topics. */
    public static ButtonTopic known() {
        return new ButtonTopic(KNOWN);
    }

    /** One configured topic, e.g. {@code tns1:RuleEngine/MyRuleDetector/Visitor}, item {@code State}, value true. */
    public static ButtonTopic of(String topic, String item, String value) {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(value, "value");
        String bare = withoutPrefixes(topic);
        if (bare.isEmpty() || item.isBlank() || value.isBlank()) {
            throw new IllegalArgumentException("a topic, an item name and a value are needed");
        }
        return new ButtonTopic(List.of(new Rule(bare, item, value)));
    }

    /**
     * Whether this notification says the button is pressed (true) or released (false); empty when it is not about
     * the button.
     */
    public Optional<Boolean> pressed(String topic, Map<String, String> data) {
        String bare = withoutPrefixes(topic);
        for (Rule rule : rules) {
            if (rule.topic().equals(bare) && data.containsKey(rule.item())) {
                return Optional.of(matches(rule.value(), data.get(rule.item())));
            }
        }
        return Optional.empty();
    }

    private static boolean matches(String expected, String actual) {
        String a = actual.strip();
        if (expected.equalsIgnoreCase(DEFAULT_VALUE) && a.equals("1")) {
            return true; // xs:boolean also spells true as 1
        }
        return expected.equalsIgnoreCase(a);
    }

    /** {@code tns1:A/tns1:B/C} → {@code A/B/C}. */
    static String withoutPrefixes(String topic) {
        if (topic == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String part : topic.strip().split("/", -1)) {
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(part.substring(part.indexOf(':') + 1));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return rules.stream()
                .map(r -> r.topic() + " " + r.item() + "=" + r.value().toLowerCase(Locale.ROOT))
                .toList()
                .toString();
    }
}
