package dev.ferry.server.admin;

/**
 * Who an admin request acts as, and what they may do: the admin token is an {@link Role#ADMIN}; users with roles
 * (issue 16) come in as either role. {@code who} is what the audit log writes, never a secret.
 */
public record Principal(String who, Role role) {
    public enum Role {
        /** May read every page and endpoint, change nothing. */
        VIEWER,
        /** May do everything. */
        ADMIN
    }

    /**
     * Whether this principal may send a request of {@code method} to the admin API: the one place a role is
     * checked, for the token, the CLI and the web console alike.
     */
    public boolean may(String method) {
        return role == Role.ADMIN || method.equals("GET") || method.equals("HEAD");
    }
}
