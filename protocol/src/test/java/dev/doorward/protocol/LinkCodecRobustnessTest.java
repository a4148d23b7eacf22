package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random damage to valid messages: whatever arrives, the codec either decodes it or throws {@link
 * ProtocolException} — never another exception that could take down a connection handler.
 */
class LinkCodecRobustnessTest {

    private static final int MUTATIONS = 5_000;
    private static final String[] SNIPPETS = {
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "\\",
        "\\u",
        "\\ud800",
        "null",
        "true",
        "-",
        "0",
        "1e999",
        "9999999999999999999999",
        "-0",
        ".5",
        "\u0000",
        "\ud800",
        "\uffff",
        "é",
        "{\"v\":1}",
        "[[[[[[",
        "\"v\":",
        "\"body\":{}",
        "/*",
        "'"
    };

    @Test
    void randomMutationsEitherDecodeOrThrowProtocolException() {
        Random random = new Random(0xD00E_3A2DL);
        List<String> valid = new ArrayList<>();
        Samples.oneOfEach().forEach(m -> valid.add(LinkCodec.encode(m)));
        Samples.variants().forEach(m -> valid.add(LinkCodec.encode(m)));

        int decoded = 0;
        int refused = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            String text = valid.get(random.nextInt(valid.size()));
            int rounds = 1 + random.nextInt(3);
            for (int r = 0; r < rounds; r++) {
                text = mutate(text, random);
            }
            try {
                LinkMessage message = LinkCodec.decode(text);
                decoded++;
                // Whatever is accepted is a well-formed message: it encodes and decodes to itself.
                assertThat(LinkCodec.decode(LinkCodec.encode(message)))
                        .as("re-encoding of %s", text)
                        .isEqualTo(message);
            } catch (ProtocolException e) {
                refused++;
                assertThat(e.code()).isNotNull();
                assertThat(e.getMessage()).isNotBlank();
            } catch (Throwable t) {
                fail("mutation " + i + " threw " + t + " for input: " + text, t);
            }
            for (boolean fromDevice : new boolean[] {true, false}) {
                try {
                    if (fromDevice) {
                        LinkCodec.decodeFromDevice(text);
                    } else {
                        LinkCodec.decodeFromHub(text);
                    }
                } catch (ProtocolException expected) {
                    // fine
                } catch (Throwable t) {
                    fail("mutation " + i + " threw " + t + " for input: " + text, t);
                }
            }
        }
        // The mutations must exercise both outcomes, or the test proves nothing.
        assertThat(decoded).isGreaterThan(MUTATIONS / 50);
        assertThat(refused).isGreaterThan(MUTATIONS / 2);
    }

    private static String mutate(String text, Random random) {
        if (text.isEmpty()) {
            return SNIPPETS[random.nextInt(SNIPPETS.length)];
        }
        int at = random.nextInt(text.length() + 1);
        return switch (random.nextInt(7)) {
            case 0 -> { // flip one bit of one UTF-8 byte (may produce malformed UTF-8, decoded as U+FFFD)
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                yield new String(bytes, StandardCharsets.UTF_8);
            }
            case 1 -> text.substring(0, at); // truncate
            case 2 -> text.substring(0, at) + SNIPPETS[random.nextInt(SNIPPETS.length)] + text.substring(at);
            case 3 -> text.substring(0, at) + (char) random.nextInt(0x10000) + text.substring(at);
            case 4 -> { // delete a range
                int end = Math.min(text.length(), at + 1 + random.nextInt(8));
                yield text.substring(0, Math.min(at, end)) + text.substring(end);
            }
            case 5 -> { // replace one character with a printable ASCII one (keeps the JSON plausible)
                if (at == text.length()) {
                    at--;
                }
                yield text.substring(0, at) + (char) (0x20 + random.nextInt(0x5f)) + text.substring(at + 1);
            }
            default -> { // duplicate a slice
                int end = Math.min(text.length(), at + random.nextInt(40));
                yield text.substring(0, end) + text.substring(at, end) + text.substring(end);
            }
        };
    }
}
