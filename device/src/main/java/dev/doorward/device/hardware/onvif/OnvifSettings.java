package dev.doorward.device.hardware.onvif;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a bridge's button comes from when the doorbell reports it over ONVIF ({@code button.source = onvif} in
 * doorbell.conf; docs/hardware.md).
 *
 * @param url the doorbell's device service ({@code http://<doorbell>/onvif/device_service}) or its events service
 * @param credentials an owner-only {@code user=}/{@code password=} file; empty: no WS-Security header
 * @param button which notifications are the button
 * @param pullTimeout how long one PullMessages waits for news on the doorbell (the ring's latency does not depend
 *     on it: the doorbell answers as soon as there is a message)
 * @param messageLimit at most this many notifications per PullMessages
 * @param subscription how long a subscription lives unless renewed (it is renewed well before)
 */
public record OnvifSettings(
        URI url,
        Optional<Path> credentials,
        ButtonTopic button,
        Duration pullTimeout,
        int messageLimit,
        Duration subscription) {
    public static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MESSAGE_LIMIT = 32;
    public static final Duration DEFAULT_SUBSCRIPTION = Duration.ofSeconds(60);

    public OnvifSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(button, "button");
        checkUrl(url);
        if (pullTimeout.isNegative() || pullTimeout.isZero() || messageLimit < 1) {
            throw new IllegalArgumentException("pull timeout and message limit must be positive");
        }
        if (subscription.compareTo(pullTimeout.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("the subscription must last at least three pulls");
        }
    }

    public OnvifSettings(URI url, Optional<Path> credentials, ButtonTopic button) {
        this(url, credentials, button, DEFAULT_PULL_TIMEOUT, DEFAULT_MESSAGE_LIMIT, DEFAULT_SUBSCRIPTION);
    }

    /**
     * An http:// or https:// URL with a host and without user information (credentials go in the file, never in
     * a URL). Plain HTTP is what ONVIF doorbells speak on a LAN: the box is where Doorward's protection starts.
     *
     * @throws IllegalArgumentException saying what is expected (without quoting the URL: it may hold a password)
     */
    public static void checkUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("an http:// or https:// URL");
        }
        if (url.getRawUserInfo() != null) {
            throw new IllegalArgumentException("a URL without user or password (put them in onvif.credentials)");
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            throw new IllegalArgumentException(
                    "a URL with the doorbell's address, e.g. http://192.168.1.20/onvif/device_service");
        }
        if (url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("a URL without ?query or #fragment");
        }
    }

    public OnvifSettings withTiming(Duration pullTimeout, int messageLimit, Duration subscription) {
        return new OnvifSettings(url, credentials, button, pullTimeout, messageLimit, subscription);
    }
}
