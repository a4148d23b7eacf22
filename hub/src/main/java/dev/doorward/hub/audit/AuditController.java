package dev.doorward.hub.audit;

import dev.doorward.hub.household.Households;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The household's audit log, for its owner and admins, with the result of checking the hash chain: newest first,
 * a page at a time ({@code before} is the {@code next} cursor of the previous page), filtered by {@link AuditTopic}.
 */
@RestController
class AuditController {
    private final AuditLog audit;
    private final Households households;

    AuditController(AuditLog audit, Households households) {
        this.audit = audit;
        this.households = households;
    }

    @GetMapping("/api/audit")
    Map<String, Object> log(
            @AuthenticationPrincipal SignedInAccount account,
            @RequestParam String householdId,
            @RequestParam(defaultValue = "100") int limit,
            @RequestParam(required = false) Long before,
            @RequestParam(defaultValue = "all") String topic) {
        Role role = households.requireRole(account.id(), householdId);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        AuditTopic chosen = AuditTopic.named(topic)
                .orElseThrow(() -> new InvalidInput("A topic is all, access, doorbells or media"));
        if (before != null && before < 1) {
            throw new InvalidInput("The cursor is the seq of an entry already shown");
        }
        int size = Math.clamp(limit, 1, 1000);
        // One more than asked: whether an older page exists, without counting the chain.
        List<AuditLog.AuditEntry> entries =
                audit.page(householdId, size + 1, before == null ? Long.MAX_VALUE : before, chosen);
        boolean more = entries.size() > size;
        if (more) {
            entries = entries.subList(0, size);
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("chainIntact", audit.firstBrokenEntry(householdId).isEmpty());
        view.put("entries", entries);
        // The cursor for the next (older) page; null on the last page.
        view.put("next", more ? entries.getLast().seq() : null);
        return view;
    }
}
