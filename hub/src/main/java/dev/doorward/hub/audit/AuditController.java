package dev.doorward.hub.audit;

import dev.doorward.hub.household.Households;
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

/** The household's audit log, for its owner and admins, with the result of checking the hash chain. */
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
            @RequestParam(defaultValue = "100") int limit) {
        Role role = households.requireRole(account.id(), householdId);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        List<AuditLog.AuditEntry> entries = audit.entries(householdId, Math.clamp(limit, 1, 1000));
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("chainIntact", audit.firstBrokenEntry(householdId).isEmpty());
        view.put("entries", entries);
        return view;
    }
}
