package dev.ferry.server.http;

import dev.ferry.protocols.oci.RegistryRequest;

/** {@code /v2/NAME/tags/list?n=&last=}: a repository's tags, a page at a time. */
final class TagsHandler {

    void handle(RepositoryCall call, RegistryRequest.Tags tags) throws RefusedRequest {
        RegistryRequest.Page page = RefusedRequest.check(() -> tags.page(call.query()));
        call.read(page.n(), (target, name) -> target.tags(name, page.n(), page.last()));
    }
}
