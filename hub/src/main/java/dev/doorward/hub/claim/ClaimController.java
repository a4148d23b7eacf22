package dev.doorward.hub.claim;

import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.hub.web.QrCodes;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * "Add doorbell": the QR code comes back in the response body (never in a URL), rendered here so the
 * browser needs no QR library.
 */
@RestController
class ClaimController {
    private final ClaimService claims;

    ClaimController(ClaimService claims) {
        this.claims = claims;
    }

    record StartClaim(String householdId, String setupCode, String name, String ownerKeyFingerprint) {
        @Override
        public String toString() {
            return "StartClaim[householdId=" + householdId + ", setupCode=[REDACTED]]";
        }
    }

    record ClaimView(String handle, String qrPng, String expiresAt) {}

    @PostMapping("/api/claims")
    @ResponseStatus(HttpStatus.CREATED)
    ClaimView start(@AuthenticationPrincipal SignedInAccount account, @RequestBody StartClaim request) {
        ClaimService.Issued issued = claims.issue(
                account, request.householdId(), request.setupCode(), request.name(), request.ownerKeyFingerprint());
        return new ClaimView(
                issued.handle(),
                QrCodes.png(issued.claimCode()),
                issued.expiresAt().toString());
    }

    @GetMapping("/api/claims/{handle}")
    Map<String, Object> status(@AuthenticationPrincipal SignedInAccount account, @PathVariable String handle) {
        return claims.status(account, handle);
    }
}
