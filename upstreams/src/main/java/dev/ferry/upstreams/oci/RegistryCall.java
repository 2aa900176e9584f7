package dev.ferry.upstreams.oci;

/**
 * One request of the distribution API: method, path under the endpoint, token scope, Accept (or null);
 * {@code redirectAnswers}: a redirect is the answer (a HEAD whose storage URL is signed for GET only).
 */
record RegistryCall(String method, String path, String scope, String accept, boolean redirectAnswers) {
    RegistryCall(String method, String path, String scope, String accept) {
        this(method, path, scope, accept, false);
    }
}
