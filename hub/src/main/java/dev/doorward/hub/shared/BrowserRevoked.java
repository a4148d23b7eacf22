package dev.doorward.hub.shared;

/** Published when an admin revokes a browser's registration (safety check): its live views end. */
public record BrowserRevoked(String clientId, String accountId) {}
