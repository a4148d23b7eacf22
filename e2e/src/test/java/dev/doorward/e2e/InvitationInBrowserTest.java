package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.device.DeviceAgent;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.Household;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The owner invites a partner with a one-time link; the partner opens it, signs in, and hears the doorbell.
 * Removed again, the partner hears nothing more.
 */
class InvitationInBrowserTest {
    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of("doorward.open-signup", "true"));

    @Test
    void aPartnerJoinsHearsTheDoorbellAndIsRemoved() {
        Household owner = Household.firstOwner(env.hub());
        DeviceAgent doorbell = owner.claim(env.hub(), env.hub().mintDevice("front"));
        Household.signUp(env.hub(), "partner");

        try (Phone ownerPhone = env.chromium().phone("owner");
                Phone partnerPhone = env.chromium().phone("partner")) {
            ownerPhone.page().navigate(env.hub().browserUrl().toString());
            TakeoverAttemptTest.signIn(ownerPhone, "owner", Household.PASSWORD);
            ownerPhone.$("#screens-nav a[data-screen=household]").click();
            assertThat(ownerPhone.$("#members-card")).isVisible();
            ownerPhone.$("#invite-form [name=role]").selectOption("resident");
            ownerPhone.$("#invite-form button[type=submit]").click();
            Locator link = ownerPhone.$("#invite-link");
            assertThat(link).isVisible();
            String invitation = link.inputValue();

            // The partner opens the link, signs in, and is in.
            partnerPhone.page().navigate(invitation);
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
}
