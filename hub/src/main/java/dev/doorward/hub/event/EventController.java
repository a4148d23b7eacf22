package dev.doorward.hub.event;

import dev.doorward.hub.account.SignedInAccount;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.web.NotFound;
import java.util.List;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The household's history, newest first. Members only; anyone else gets the same 404 as for an unknown id. */
@RestController
class EventController {
    private final Events events;
    private final Households households;

    EventController(Events events, Households households) {
        this.events = events;
        this.households = households;
    }

    record EventView(String id, String deviceId, String deviceName, String kind, String occurredAt, String detail) {}

    @GetMapping("/api/events")
    List<EventView> history(
            @AuthenticationPrincipal SignedInAccount account,
            @RequestParam String householdId,
            @RequestParam(defaultValue = "50") int limit) {
        households.roleOf(account.id(), householdId).orElseThrow(NotFound::new);
        return events.ofHousehold(householdId, Math.clamp(limit, 1, 200)).stream()
                .map(e -> new EventView(
                        e.id(),
                        e.deviceId(),
                        e.deviceName(),
                        e.kind(),
                        e.occurredAt().toString(),
                        e.detail()))
                .toList();
    }
}
