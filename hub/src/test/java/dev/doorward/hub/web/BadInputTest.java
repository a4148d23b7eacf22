package dev.doorward.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Odd values in every parameter of every route, as an outsider and as a signed-in member: path variables, query
 * parameters, request bodies (each field of the route's body with a wrong type or an odd value, bodies that are not
 * JSON, odd content types). The routes are read from the running hub's handler mappings, so a new route is fuzzed
 * without touching this test. Nothing may answer 5xx, and the hub's log may not grow by a single stack trace.
 */
class BadInputTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern VARIABLE = Pattern.compile("\\{([^}/]+)}");

    /** Odd values for a path variable or a query parameter (sent percent-encoded). */
    private static final List<String> ODD = List.of(
            "\u0000",
            "a\u0000b",
            "%00",
            "%",
            "x".repeat(4000),
            "\u00fc\u00df\u20ac\uD83D\uDEAA",
            "\uFFFF",
            "-1",
            "-2147483649",
            "99999999999999999999",
            "1e400",
            "NaN",
            "../../etc/passwd",
            "..",
            "",
            " ",
            "null",
            "{}",
            "' or 1=1 --",
            "\r\nX-Injected: yes");

    /** Odd JSON values for a field of a request body. */
    private static final List<Object> ODD_JSON = List.of(
            123, -1, 1.5e300, true, List.of(), List.of("a", 1), Map.of("a", "b"), "", "\u0000", "x".repeat(20_000));

    /** Bodies that are not what any route takes. */
    private static final List<String> ODD_BODIES = List.of(
            "",
            "not json",
            "{",
            "[]",
            "null",
            "\"text\"",
            "{\"a\":",
            "[".repeat(5000),
            "{\"x\":\"\\u0000\"}",
            "{\"x\":\"\\ud800\"}",
            "\u0000\u0001\u0002");

    /** Content types a JSON route may be sent. */
    private static final List<String> ODD_CONTENT_TYPES = List.of(
            "application/*",
            "*/*",
            "application/json; charset=bogus",
            "application/json;",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "garbage",
            "application/xml",
            "");

    @TempDir
    static Path dir;

    static TestHub hub;
    static Household member;
    static ListAppender<ILoggingEvent> log;

    @BeforeAll
    static void start() {
        hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"));
        member = Household.firstOwner(hub);
        member.browser().registerClient();
        log = new ListAppender<>();
        log.start();
        rootLogger().addAppender(log);
    }

    @AfterAll
    static void stop() {
        rootLogger().detachAppender(log);
        if (hub != null) {
            hub.close();
        }
    }

    private static Logger rootLogger() {
        return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    record Route(String verb, String pattern, HandlerMethod method) {
        List<String> variables() {
            List<String> names = new ArrayList<>();
            Matcher m = VARIABLE.matcher(pattern);
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        }

        List<String> queryParameters() {
            List<String> names = new ArrayList<>();
            for (MethodParameter p : method.getMethodParameters()) {
                RequestParam param = p.getParameterAnnotation(RequestParam.class);
                if (param != null) {
                    String name = !param.name().isEmpty() ? param.name() : param.value();
                    names.add(name.isEmpty() ? p.getParameterName() : name);
                }
            }
            return names;
        }

        /** The fields of the route's JSON body, if it takes one (a record). */
        List<String> bodyFields() {
            List<String> names = new ArrayList<>();
            for (MethodParameter p : method.getMethodParameters()) {
                if (p.hasParameterAnnotation(RequestBody.class)
                        && p.getParameterType().getRecordComponents() != null) {
                    for (var component : p.getParameterType().getRecordComponents()) {
                        names.add(component.getName());
                    }
                }
            }
            return names;
        }

        boolean takesBody() {
            return !verb.equals("GET");
        }

        String path(Map<String, String> values) {
            Matcher m = VARIABLE.matcher(pattern);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(encode(values.get(m.group(1)))));
            }
            m.appendTail(out);
            return out.toString();
        }

        @Override
        public String toString() {
            return verb + " " + pattern;
        }
    }

    private static List<Route> routes() {
        List<Route> routes = new ArrayList<>();
        Map<RequestMappingInfo, HandlerMethod> methods =
                hub.bean(RequestMappingHandlerMapping.class).getHandlerMethods();
        methods.forEach((info, method) -> {
            if (!method.getBeanType().getPackageName().startsWith("dev.doorward")) {
                return;
            }
            for (var verb : info.getMethodsCondition().getMethods()) {
                for (String pattern : info.getPatternValues()) {
                    routes.add(new Route(verb.name(), pattern, method));
                }
            }
        });
        return routes;
    }

    /** Real-looking values: the member's household, a well-formed random id for anything else. */
    private static Map<String, String> plausibleValues(Route route) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : route.variables()) {
            values.put(name, plausible(name));
        }
        return values;
    }

    private static String plausible(String name) {
        if (name.equals("householdId")) {
            return member.householdId();
        }
        return name.equals("id") || name.endsWith("Id") ? RandomIds.newId() : "1";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private final List<String> failures = new ArrayList<>();
    private int sent;

    @Test
    void noOddParameterOnAnyRouteCostsA5xxOrAStackTrace() {
        List<Route> routes = routes();
        assertThat(routes).hasSizeGreaterThan(20);
        BrowserClient outsider = hub.browser();
        for (BrowserClient who : List.of(outsider, member.browser())) {
            String as = who == outsider ? "outsider" : "member";
            for (Route route : routes) {
                // Every path variable odd, one at a time (the others plausible, so the odd one is looked at).
                for (String variable : route.variables()) {
                    for (String odd : ODD) {
                        Map<String, String> values = plausibleValues(route);
                        values.put(variable, odd);
                        send(who, as, route, route.path(values), "application/json", "{}");
                    }
                }
                // Every query parameter odd, one at a time.
                for (String parameter : route.queryParameters()) {
                    for (String odd : ODD) {
                        Map<String, String> query = new LinkedHashMap<>();
                        route.queryParameters().forEach(p -> query.put(p, plausible(p)));
                        query.put(parameter, odd);
                        StringBuilder path = new StringBuilder(route.path(plausibleValues(route)));
                        char separator = '?';
                        for (var e : query.entrySet()) {
                            path.append(separator)
                                    .append(e.getKey())
                                    .append('=')
                                    .append(encode(e.getValue()));
                            separator = '&';
                        }
                        send(who, as, route, path.toString(), "application/json", "{}");
                    }
                }
                if (!route.takesBody()) {
                    continue;
                }
                String path = route.path(plausibleValues(route));
                // Each field of the body with a wrong type or an odd value.
                for (String field : route.bodyFields()) {
                    for (Object odd : ODD_JSON) {
                        ObjectNode body = JSON.createObjectNode();
                        route.bodyFields().forEach(f -> body.put(f, "x"));
                        body.set(field, JSON.valueToTree(odd));
                        send(who, as, route, path, "application/json", JSON.writeValueAsString(body));
                    }
                }
                for (String body : ODD_BODIES) {
                    send(who, as, route, path, "application/json", body);
                }
                for (String type : ODD_CONTENT_TYPES) {
                    send(who, as, route, path, type, "{}");
                    send(who, as, route, path, type, "a=%zz&b=%");
                }
            }
        }
        assertThat(sent).isGreaterThan(1000);
        assertThat(failures).isEmpty();
        List<String> traces = log.list.stream()
                .filter(e -> e.getThrowableProxy() != null
                        || e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.ERROR))
                .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage())
                .distinct()
                .toList();
        assertThat(traces).as("log lines with a stack trace or at ERROR").isEmpty();
    }

    @Test
    void theSecurityLogPagesNewestFirstWithACursorAndRefusesABadTopicOrCursor() {
        BrowserClient browser = member.browser();
        String base = "/api/audit?householdId=" + member.householdId();
        JsonNode all = browser.get(base + "&limit=1000").json();
        List<Long> everySeq = new ArrayList<>();
        all.get("entries").forEach(e -> everySeq.add(e.get("seq").asLong()));
        assertThat(everySeq).hasSizeGreaterThanOrEqualTo(3);
        assertThat(all.get("next").isNull()).isTrue();
        // Pages of two, following the cursor: every entry once, newest first, and the last page says so.
        List<Long> paged = new ArrayList<>();
        String cursor = "";
        for (int pages = 0; pages < 100; pages++) {
            JsonNode page = browser.get(base + "&limit=2" + cursor).json();
            page.get("entries").forEach(e -> paged.add(e.get("seq").asLong()));
            assertThat(page.get("entries").size()).isLessThanOrEqualTo(2);
            if (page.get("next").isNull()) {
                break;
            }
            cursor = "&before=" + page.get("next").asLong();
        }
        assertThat(paged).isEqualTo(everySeq).isSortedAccordingTo(Comparator.reverseOrder());
        // A topic keeps only its actions: the owner's sign-in is access, never media.
        JsonNode access = browser.get(base + "&topic=access").json();
        assertThat(actions(access)).contains("signed-in").doesNotContain("media-fetched", "live-view");
        assertThat(actions(browser.get(base + "&topic=media").json()))
                .allMatch(a -> a.equals("media-fetched") || a.equals("live-view"));
        for (String bad : List.of("&topic=secrets", "&before=0", "&before=-5", "&before=abc", "&topic=%00")) {
            BrowserClient.Response response = browser.get(base + bad);
            assertThat(response.status()).as(bad).isEqualTo(400);
            assertThat(response.header("Content-Type")).as(bad).hasValue("application/problem+json");
        }
    }

    private static List<String> actions(JsonNode page) {
        List<String> actions = new ArrayList<>();
        page.get("entries").forEach(e -> actions.add(e.get("action").asString()));
        return actions;
    }

    @Test
    void aNulByteOrAMalformedIdIsA400ProblemNeverA500() {
        BrowserClient browser = member.browser();
        int logged = log.list.size();
        for (String path : List.of(
                "/api/events?householdId=%00",
                "/api/events?householdId=" + member.householdId() + "%00",
                "/api/audit?householdId=a%00b",
                "/api/events?householdId=not-an-id",
                "/api/households/not-an-id/members",
                "/api/households/" + "x".repeat(300) + "/roster",
                "/api/devices/..%20../events/" + RandomIds.newId() + "/snapshot")) {
            BrowserClient.Response response = browser.get(path);
            assertThat(response.status()).as(path).isEqualTo(400);
            assertThat(response.header("Content-Type")).as(path).hasValue("application/problem+json");
        }
        // A well-formed id of a household the member is not in: the same 404 as one that does not exist.
        assertThat(browser.get("/api/households/" + RandomIds.newId() + "/members")
                        .status())
                .isEqualTo(404);
        // A NUL inside a JSON body is refused where the body is read, before it reaches the database.
        assertThat(browser.postJson("/api/claims", Map.of("householdId", "\u0000", "setupCode", "1", "name", "x"))
                        .status())
                .isEqualTo(400);
        assertNoStackTraceSince(logged);
    }

    @Test
    void oddContentTypesAreRefusedAsTheClientsErrorAlsoWithoutSigningIn() {
        BrowserClient anonymous = hub.browser();
        int logged = log.list.size();
        for (String type : List.of("application/*", "*/*", "garbage", "application/json; charset=bogus")) {
            assertThat(postRaw(anonymous, "/api/accounts", type, "{}").status())
                    .as(type)
                    .isEqualTo(400);
            assertThat(postRaw(member.browser(), "/api/clients", type, "{}").status())
                    .as(type)
                    .isEqualTo(400);
        }
        for (String type : List.of("text/plain", "application/xml", "multipart/form-data; boundary=x")) {
            assertThat(postRaw(member.browser(), "/api/clients", type, "{}").status())
                    .as(type)
                    .isEqualTo(415);
        }
        assertNoStackTraceSince(logged);
    }

    @Test
    void aSignInFormWithBadEscapesIsA400WithoutAStackTrace() {
        BrowserClient anonymous = hub.browser();
        int logged = log.list.size();
        for (String form :
                List.of("username=%zz&password=x", "username=owner&password=%", "username=%E0%A4&password=x")) {
            BrowserClient.Response response =
                    postRaw(anonymous, "/api/login", "application/x-www-form-urlencoded", form);
            assertThat(response.status()).as(form).isEqualTo(400);
            assertThat(response.header("Content-Type")).as(form).hasValue("application/problem+json");
        }
        assertNoStackTraceSince(logged);
    }

    @Test
    void bodiesAreCappedBeforeTheyAreParsed() {
        BrowserClient browser = member.browser();
        int logged = log.list.size();
        String tooLarge = "{\"label\":\"" + "x".repeat(RequestGate.MAX_BODY_BYTES) + "\"}";
        // With a length: refused before a byte of it is read.
        assertThat(postRaw(browser, "/api/clients", "application/json", tooLarge)
                        .status())
                .isEqualTo(413);
        // Without one (chunked): refused when the reader gets past the cap.
        HttpRequest.Builder chunked = HttpRequest.newBuilder(browser.base().resolve("/api/clients"))
                .header("Content-Type", "application/json")
                .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow())
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(tooLarge.getBytes(StandardCharsets.UTF_8))));
        assertThat(browser.sendRaw(chunked.build()).status()).isEqualTo(413);
        // Anonymous too, and a sign-in form.
        assertThat(postRaw(hub.browser(), "/api/accounts", "application/json", tooLarge)
                        .status())
                .isEqualTo(413);
        assertThat(postRaw(
                                hub.browser(),
                                "/api/login",
                                "application/x-www-form-urlencoded",
                                "username=owner&password=" + "x".repeat(RequestGate.MAX_BODY_BYTES))
                        .status())
                .isEqualTo(413);
        // Just under the cap is read (and refused for what it says).
        String underCap = "{\"label\":\"" + "x".repeat(RequestGate.MAX_BODY_BYTES - 100) + "\"}";
        assertThat(postRaw(browser, "/api/clients", "application/json", underCap)
                        .status())
                .isEqualTo(400);
        assertNoStackTraceSince(logged);
    }

    @Test
    void badJsonAndWrongTypesAreA400() {
        BrowserClient browser = member.browser();
        int logged = log.list.size();
        for (String body : List.of("{", "not json", "[]", "{\"householdId\":5}", "{\"householdId\":[\"a\"]}")) {
            assertThat(postRaw(browser, "/api/claims", "application/json", body).status())
                    .as(body)
                    .isEqualTo(400);
        }
        assertNoStackTraceSince(logged);
    }

    private static BrowserClient.Response postRaw(BrowserClient who, String path, String contentType, String body) {
        if (who.csrfToken().isEmpty()) {
            who.get("/api/session");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(who.base().resolve(path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        who.csrfToken().ifPresent(token -> request.header("X-XSRF-TOKEN", token));
        return who.sendRaw(request.build());
    }

    private static void assertNoStackTraceSince(int index) {
        List<ILoggingEvent> events = List.copyOf(log.list);
        List<String> traces = events.subList(Math.min(index, events.size()), events.size()).stream()
                .filter(e -> e.getThrowableProxy() != null
                        || e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.ERROR))
                .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage())
                .toList();
        assertThat(traces).as("log lines with a stack trace or at ERROR").isEmpty();
    }

    private void send(BrowserClient who, String as, Route route, String path, String contentType, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(who.base() + path.substring(1)))
                .timeout(Duration.ofSeconds(30))
                .method(
                        route.verb(),
                        route.takesBody()
                                ? HttpRequest.BodyPublishers.ofString(body)
                                : HttpRequest.BodyPublishers.noBody());
        if (route.takesBody() && !contentType.isEmpty()) {
            request.header("Content-Type", contentType);
        }
        if (who.csrfToken().isEmpty()) {
            who.get("/api/session");
        }
        who.csrfToken().ifPresent(token -> request.header("X-XSRF-TOKEN", token));
        BrowserClient.Response response = who.sendRaw(request.build());
        sent++;
        if (response.status() >= 500) {
            failures.add(as + " " + route + " " + shorten(path) + " [" + contentType + "] " + shorten(body) + ": "
                    + response.status());
        }
    }

    private static String shorten(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "…(" + text.length() + ")" : text;
    }
}
