package dev.ferry.server.http;

import dev.ferry.protocols.oci.RegistryRequest;
import dev.ferry.server.registryauth.ProtectedContent;
import dev.ferry.server.registryauth.RegistryAuth.Caller;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /v2/_catalog?n=&last=}: every repository, mirrored ones as {@code REGISTRY/NAME}, a page at a time; hosted
 * ones only for a caller who may pull them, and protected ones ({@code access.images}) only for a caller who may
 * pull those: a repository's name can say what a site builds or buys, which is why it was protected.
 */
final class CatalogHandler {
    private final RegistryRouter router;
    private final RegistryGate gate;
    private final ProtectedContent protect;

    CatalogHandler(RegistryRouter router, RegistryGate gate, ProtectedContent protect) {
        this.router = router;
        this.gate = gate;
        this.protect = protect;
    }

    void handle(Exchange x, RegistryRequest.Page page) {
        Caller caller = gate.identify(x);
        boolean withHosted =
                gate.auth().anonymousPull() || caller instanceof Caller.User || caller instanceof Caller.WithToken;
        List<String> all = router.catalog(withHosted);
        List<String> entries = new ArrayList<>();
        String nextLast = null;
        for (String repo : all) {
            if (page.last() != null && repo.compareTo(page.last()) <= 0) {
                continue;
            }
            if (protect.image(repo) && !gate.auth().allowsProtectedPull(caller, repo)) {
                continue;
            }
            if (page.n() >= 0 && entries.size() == page.n()) {
                nextLast = entries.isEmpty() ? null : entries.getLast();
                break;
            }
            entries.add(repo);
        }
        OciAnswerResponder.catalog(x, entries, nextLast, page.n());
    }
}
