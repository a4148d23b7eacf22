package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.google.gson.JsonObject;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.device.DeviceAgent;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.account.AccountService;
import dev.doorward.hub.testing.Household;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Joining a household and keeping the account safe, in a real browser on a hub with open sign-up off (the
 * default): the owner invites a partner with a one-time link; the partner opens it, signs in, and hears the
 * doorbell, and is removed again. Someone without an account creates one from the invitation link and waits for
 * approval. A member adds a passkey (Chromium's virtual authenticator over CDP) and signs in with it.
 */
class InvitationInBrowserTest {
    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    private static Household owner;

    /** The hub's owner, made once for the class (the setup link works once). */
    private static synchronized Household owner() {
        if (owner == null) {
            owner = Household.firstOwner(env.hub());
        }
        return owner;
    }

    @Test
    void aPartnerJoinsHearsTheDoorbellAndIsRemoved() {
        Household owner = owner();
        DeviceAgent doorbell = owner.claim(env.hub(), env.hub().mintDevice("front"));
        // An account of their own already (open sign-up is off here: made directly).
        env.hub().bean(AccountService.class).createWithHousehold("partner", Household.PASSWORD, "Flat");

        try (Phone ownerPhone = env.chromium().phone("owner");
                Phone partnerPhone = env.chromium().phone("partner")) {
            ownerPhone.page().navigate(env.hub().browserUrl().toString());
            TakeoverAttemptTest.signIn(ownerPhone, "owner", Household.PASSWORD);
            String invitation = invite(ownerPhone, "resident");

            // The partner opens the link, chooses to sign in with the account they have, and is in.
            partnerPhone.page().navigate(invitation);
            partnerPhone.$("#invite-have-account").click();
            TakeoverAttemptTest.signIn(partnerPhone, "partner", Household.PASSWORD);
            assertThat(partnerPhone.$("#alerts")).containsText("you are now a member");
            assertThat(partnerPhone.$("#device-list li[data-device-id]")).hasCount(1);
            org.assertj.core.api.Assertions.assertThat(partnerPhone.page().url())
                    .doesNotContain("invite");
            doorbell.pressButton();
            assertThat(partnerPhone.$("#ring-alert"))
                    .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(5_000));
            partnerPhone.$("#ring-dismiss").click();
            // The owner heard it too (their screen stays open all along now: no reload).
            assertThat(ownerPhone.$("#ring-alert")).isVisible();
            ownerPhone.$("#ring-dismiss").click();

            // The owner sees the new member (without a reload) and removes them again.
            assertThat(ownerPhone.$("#members-card")).isVisible();
            Locator partnerRow = ownerPhone.$("#members li").filter(new Locator.FilterOptions().setHasText("partner"));
            assertThat(partnerRow).hasCount(1);
            partnerRow.locator(".remove-member").click();
            assertThat(ownerPhone.$("#members li").filter(new Locator.FilterOptions().setHasText("partner")))
                    .hasCount(0);

            doorbell.pressButton();
            partnerPhone.page().waitForTimeout(1500);
            assertThat(partnerPhone.$("#ring-alert")).isHidden();
        }
    }

    @Test
    void someoneWithoutAnAccountCreatesOneFromTheInvitationAndWaitsForApproval() {
        Household owner = owner();
        try (Phone ownerPhone = env.chromium().phone("owner");
                Phone guestPhone = env.chromium().phone("newcomer")) {
            ownerPhone.page().navigate(env.hub().browserUrl().toString());
            TakeoverAttemptTest.signIn(ownerPhone, "owner", Household.PASSWORD);
            String invitation = invite(ownerPhone, "guest");

            guestPhone.page().navigate(invitation);
            // Straight to the invitation's own page: no dead end at "Sign in", though sign-up is closed.
            Locator form = guestPhone.$("#invite-signup-form");
            assertThat(form).isVisible();
            org.assertj.core.api.Assertions.assertThat(guestPhone.page().url())
                    .as("the token left the address bar")
                    .doesNotContain("invite");
            form.locator("[name=username]").fill("newcomer");
            form.locator("[name=password]").fill(Household.PASSWORD);
            form.locator("button[type=submit]").click();
            assertThat(guestPhone.$("#device-list")).isVisible();
            assertThat(guestPhone.$("#household-name")).hasText("Home");
            // A new browser: it waits for an admin's approval, showing its safety code.
            assertThat(guestPhone.$("#browser-approval")).isVisible();
            assertThat(ownerPhone.$("#alerts")).containsText("newcomer joined the household");

            // The same link a second time: refused with a clear message, nothing created.
            try (Phone another = env.chromium().phone("latecomer")) {
                another.page().navigate(invitation);
                Locator again = another.$("#invite-signup-form");
                again.locator("[name=username]").fill("latecomer");
                again.locator("[name=password]").fill(Household.PASSWORD);
                again.locator("button[type=submit]").click();
                assertThat(again.locator(".error")).containsText("not valid: used, expired or unknown");
            }
        }
        org.assertj.core.api.Assertions.assertThat(owner.browser()
                        .get("/api/households/" + owner.householdId() + "/members")
                        .body())
                .contains("newcomer")
                .doesNotContain("latecomer");
    }

    @Test
    void aMemberAddsAPasskeyAndSignsInWithIt() {
        owner();
        try (Phone phone = env.chromium().phone("owner-passkey")) {
            CDPSession cdp = phone.context().newCDPSession(phone.page());
            cdp.send("WebAuthn.enable");
            JsonObject options = new JsonObject();
            options.addProperty("protocol", "ctap2");
            options.addProperty("transport", "internal");
            options.addProperty("hasResidentKey", true);
            options.addProperty("hasUserVerification", true);
            options.addProperty("isUserVerified", true);
            JsonObject authenticator = new JsonObject();
            authenticator.add("options", options);
            cdp.send("WebAuthn.addVirtualAuthenticator", authenticator);

            phone.page().navigate(env.hub().browserUrl().toString());
            TakeoverAttemptTest.signIn(phone, "owner", Household.PASSWORD);
            phone.$("#screens-nav a[data-screen=account]").click();
            phone.$("#passkey-name").fill("Test phone");
            phone.$("#add-passkey").click();
            assertThat(phone.$("#passkey-status")).containsText("Passkey added");
            assertThat(phone.$("#own-passkeys li[data-passkey-id]")).hasCount(1);
            assertThat(phone.$("#own-passkeys")).containsText("Test phone");

            phone.$("#sign-out").click();
            assertThat(phone.$("#login-form")).isVisible();
            phone.$("#passkey-sign-in").click();
            // Signed in, the app opens on the screen it was left on (Account).
            assertThat(phone.$("#screens-nav")).isVisible();
            org.assertj.core.api.Assertions.assertThat(
                            phone.page().evaluate("fetch('/api/session').then(r => r.json()).then(s => s.username)"))
                    .isEqualTo("owner");
            // The sign-in is audited as a passkey's.
            org.assertj.core.api.Assertions.assertThat(owner.browser()
                            .get("/api/audit?householdId=" + owner.householdId() + "&limit=20")
                            .body())
                    .contains("signed in with a passkey");

            // Removed, it no longer signs in.
            phone.$("#screens-nav a[data-screen=account]").click();
            phone.$("#own-passkeys .remove-passkey").click();
            assertThat(phone.$("#own-passkeys li[data-passkey-id]")).hasCount(0);
            phone.$("#sign-out").click();
            phone.$("#passkey-sign-in").click();
            assertThat(phone.$("#login-form .error")).containsText("Passkey sign-in failed");
        }
    }

    @Test
    void aMemberWhoLostTheirPasswordGetsBackInWithAReEntryLinkOnce() {
        Household owner = owner();
        // A member made through an invitation (sign-up is closed), who then forgets their password.
        String token = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", "resident"))
                .json()
                .get("link")
                .stringValue()
                .replaceFirst(".*#invite=", "");
        org.assertj.core.api.Assertions.assertThat(env.hub()
                        .browser()
                        .postJson(
                                "/api/invitations/sign-up",
                                Map.of("token", token, "username", "forgetful", "password", Household.PASSWORD))
                        .status())
                .isEqualTo(201);

        try (Phone ownerPhone = env.chromium().phone("owner");
                Phone memberPhone = env.chromium().phone("forgetful")) {
            ownerPhone.page().navigate(env.hub().browserUrl().toString());
            TakeoverAttemptTest.signIn(ownerPhone, "owner", Household.PASSWORD);
            ownerPhone.$("#screens-nav a[data-screen=household]").click();
            assertThat(ownerPhone.$("#members-card")).isVisible();
            Locator row = ownerPhone.$("#members li").filter(new Locator.FilterOptions().setHasText("forgetful"));
            row.locator(".issue-recovery-link").click();
            Locator field = row.locator(".recovery-link input");
            assertThat(field).isVisible();
            String link = field.inputValue();
            org.assertj.core.api.Assertions.assertThat(link).contains("#recover=");

            memberPhone.page().navigate(link);
            Locator form = memberPhone.$("#recover-form");
            assertThat(form).isVisible();
            org.assertj.core.api.Assertions.assertThat(memberPhone.page().url())
                    .as("the token left the address bar before anything was sent")
                    .doesNotContain("recover");
            form.locator("[name=password]").fill("my new password 2");
            form.locator("button[type=submit]").click();
            assertThat(memberPhone.$("#device-list")).isVisible();
            // A recovered browser is a new browser: it waits for approval.
            assertThat(memberPhone.$("#browser-approval")).isVisible();

            // The member changes the password again from their account; the link is spent.
            memberPhone.$("#screens-nav a[data-screen=account]").click();
            Locator change = memberPhone.$("#password-form");
            change.locator("[name=currentPassword]").fill("my new password 2");
            change.locator("[name=newPassword]").fill("my newer password 3");
            change.locator("[name=repeatPassword]").fill("my newer password 3");
            change.locator("button[type=submit]").click();
            assertThat(change.locator(".done")).containsText("Password changed");
            assertThat(memberPhone.$("#own-sessions li")).hasCount(1);

            try (Phone another = env.chromium().phone("thief")) {
                another.page().navigate(link);
                Locator again = another.$("#recover-form");
                again.locator("[name=password]").fill("the thief's password");
                again.locator("button[type=submit]").click();
                assertThat(again.locator(".error")).containsText("not valid: used, expired or unknown");
            }
        }
        org.assertj.core.api.Assertions.assertThat(env.hub()
                        .browser()
                        .login("forgetful", "my newer password 3")
                        .status())
                .isEqualTo(204);
    }

    /** The owner's web app makes a one-time invitation link for this role; the link. */
    private static String invite(Phone ownerPhone, String role) {
        ownerPhone.$("#screens-nav a[data-screen=household]").click();
        assertThat(ownerPhone.$("#members-card")).isVisible();
        // The member list is drawn in the same step that wires the form: before it, a submit would be the
        // browser's own (a page load), not the app's.
        ownerPhone.$("#members li").first().waitFor();
        ownerPhone.$("#invite-form [name=role]").selectOption(role);
        ownerPhone.$("#invite-form button[type=submit]").click();
        Locator link = ownerPhone.$("#invite-link");
        try {
            assertThat(link).isVisible();
        } catch (AssertionError e) {
            throw new AssertionError(
                    "no invitation link; the form says \""
                            + ownerPhone.$("#invite-form .error").textContent() + "\"; console: "
                            + ownerPhone.consoleErrors(),
                    e);
        }
        return link.inputValue();
    }
}
