package dev.ferry.server.admin.api;

/**
 * {@code GET /admin/api/signing-key}: the verifier key of this site's bundle signing key (what another site adds to
 * its trusted keys to import this one's bundles), null when there is no signing key yet ({@code ferry keys
 * generate}); {@code file} is where the key lives on the server. Never the private key.
 */
public record SigningKeyInfo(String verifier, String file) {}
