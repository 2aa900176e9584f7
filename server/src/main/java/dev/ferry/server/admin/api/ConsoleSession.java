package dev.ferry.server.admin.api;

/**
 * {@code POST|GET /ui/session}: who the web console is signed in as, the CSRF token its page sends back on every
 * change (kept in the page's memory only), and when the session ends if idle.
 */
public record ConsoleSession(String who, String role, String csrf, String expires) {}
