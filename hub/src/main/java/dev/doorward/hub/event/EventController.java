package dev.doorward.hub.event;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.eventmedia.EventMediaStore;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.SignedInAccount;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The household's history, newest first. Members only; anyone else gets the same 404 as for an unknown id. */
@RestController
class EventController {
    private final Events events;
    private final Households households;
    private final EventMediaStore media;
    private final MemberAccess access;

    EventController(Events events, Households households, EventMediaStore media, MemberAccess access) {
        this.access = access;
        this.events = events;
        this.households = households;
        this.media = media;
    }

    /** One event; {@code media} lists its stored sealed objects ("snapshot", "clip"). */
    record EventView(
            String id,
            String eventId,
            String deviceId,
            String deviceName,
            String kind,
            String occurredAt,
            String detail,
            List<String> media) {}

    @GetMapping("/api/events")
    List<EventView> history(
            @AuthenticationPrincipal SignedInAccount account,
            @RequestParam String householdId,
            @RequestParam(required = false) String deviceId,
            @RequestParam(required = false) String kind,
            @RequestParam(required = false) String day,
            @RequestParam(defaultValue = "0") int utcOffsetMinutes,
            @RequestParam(defaultValue = "50") int limit) {
        households.requireRole(account.id(), householdId);
        if (kind != null && !kind.matches("[a-z-]{1,32}")) {
            throw new InvalidInput("Unknown kind of event");
        }
        if (deviceId != null && !RandomIds.isWellFormedId(deviceId)) {
            throw new InvalidInput("Unknown doorbell");
        }
        Instant from = null;
        Instant to = null;
        if (day != null) {
            try {
                LocalDate date = LocalDate.parse(day);
                if (utcOffsetMinutes < -18 * 60 || utcOffsetMinutes > 18 * 60) {
                    throw new InvalidInput("A UTC offset is within ±18 hours");
                }
                ZoneOffset zone = ZoneOffset.ofTotalSeconds(utcOffsetMinutes * 60);
                from = date.atStartOfDay(zone).toInstant();
                to = date.plusDays(1).atStartOfDay(zone).toInstant();
            } catch (DateTimeParseException e) {
                throw new InvalidInput("A day is YYYY-MM-DD");
            }
        }
        List<Events.StoredEvent> found =
                events.ofHousehold(householdId, deviceId, kind, from, to, Math.clamp(limit, 1, 200));
        // A member kept away from some doorbells (or outside their schedule) does not see their events.
        found = found.stream()
                .filter(e -> access.allows(account.id(), householdId, e.deviceId()))
                .toList();
        Map<String, List<String>> kinds = media.kindsOf(
                found.stream().map(e -> e.deviceId() + "/" + e.id()).toList());
        return found.stream()
                .map(e -> new EventView(
                        e.id(),
                        e.id(),
                        e.deviceId(),
                        e.deviceName(),
                        e.kind(),
                        e.occurredAt().toString(),
                        e.detail(),
                        kinds.getOrDefault(e.deviceId() + "/" + e.id(), List.of())))
                .toList();
    }
}
