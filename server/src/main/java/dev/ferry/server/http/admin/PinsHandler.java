package dev.ferry.server.http.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.RequestBodies;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.PinResults;
import java.util.List;

/** {@code /admin/api/pins}: pin and unpin items, list the pin sets. */
final class PinsHandler {
    private final AdminApi api;

    PinsHandler(AdminApi api) {
        this.api = api;
    }

    List<Resource> resources() {
        return List.of(Resource.at(AdminPaths.PINS)
                .get(call -> Answer.ok(api.pins()))
                .post(this::pin)
                .delete(this::unpin));
    }

    private Answer pin(AdminCall call) {
        ObjectNode body = call.body();
        PinResults pinned = api.pin(RequestBodies.pinItems(body));
        return new Answer(200, pinned, items(body), pinned.failed() + " failed");
    }

    private Answer unpin(AdminCall call) {
        ObjectNode body = call.body();
        return new Answer(200, api.unpin(RequestBodies.unpinItems(body)), items(body), "unpinned");
    }

    /** The audit log's target: the items as sent. */
    private static String items(ObjectNode body) {
        return body.path("items").toString();
    }
}
