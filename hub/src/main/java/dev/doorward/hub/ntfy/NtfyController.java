package dev.doorward.hub.ntfy;

import dev.doorward.hub.device.Devices;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.SignedInAccount;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A member's own ntfy topic in a household, and which doorbells ring them there. Each member sees and sets only
 * their own; the URL is never shown back (whoever knows it can read the topic), only its host.
 */
@RestController
class NtfyController {
    private final Households households;
    private final NtfyTopics topics;
    private final TopicUrls urls;
    private final Devices devices;
    private final MemberAccess access;

    NtfyController(Households households, NtfyTopics topics, TopicUrls urls, Devices devices, MemberAccess access) {
        this.households = households;
        this.topics = topics;
        this.urls = urls;
        this.devices = devices;
        this.access = access;
    }

    @GetMapping("/api/households/{householdId}/integrations/ntfy")
    Map<String, Object> get(@AuthenticationPrincipal SignedInAccount account, @PathVariable String householdId) {
        households.requireRole(account.id(), householdId);
        return topics.find(householdId, account.id())
                .map(NtfyController::view)
                .orElseGet(() -> Map.of("enabled", false));
    }

    /** {@code doorbells}: ids of the doorbells that ring the member there; null or absent for all they may use. */
    record Topic(String url, List<String> doorbells) {
        @Override
        public String toString() {
            return "Topic[url=[REDACTED], doorbells=" + doorbells + "]";
        }
    }

    @PutMapping("/api/households/{householdId}/integrations/ntfy")
    Map<String, Object> put(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            @RequestBody Topic request) {
        households.requireRole(account.id(), householdId);
        URI uri;
        try {
            uri = urls.parse(request.url());
            urls.checkReachable(uri);
        } catch (TopicUrls.InvalidTopic e) {
            throw new InvalidInput(e.getMessage());
        }
        List<String> doorbells = null;
        if (request.doorbells() != null) {
            Set<String> mine = devices.ofHousehold(householdId).stream()
                    .map(Devices.Device::id)
                    .filter(id -> access.allows(account.id(), householdId, id))
                    .collect(Collectors.toSet());
            if (request.doorbells().size() > 100 || !mine.containsAll(request.doorbells())) {
                throw new InvalidInput("Choose among the household's doorbells you may use");
            }
            doorbells = List.copyOf(Set.copyOf(request.doorbells()));
        }
        NtfyTopics.Topic topic =
                new NtfyTopics.Topic(householdId, account.id(), uri.toString(), uri.getHost(), doorbells);
        topics.save(topic);
        return view(topic);
    }

    @DeleteMapping("/api/households/{householdId}/integrations/ntfy")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@AuthenticationPrincipal SignedInAccount account, @PathVariable String householdId) {
        households.requireRole(account.id(), householdId);
        topics.delete(householdId, account.id());
    }

    private static Map<String, Object> view(NtfyTopics.Topic topic) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("enabled", true);
        view.put("host", topic.host());
        view.put("doorbells", topic.doorbells());
        return view;
    }
}
