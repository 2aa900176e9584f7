package dev.ferry.server.http.admin;

import dev.ferry.server.admin.UpstreamsApi;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.UpstreamReleased;
import java.util.List;

/** {@code /admin/api/upstreams}: the pools' health, and the release of a quarantined upstream. */
final class UpstreamsHandler {
    private final UpstreamsApi api;

    UpstreamsHandler(UpstreamsApi api) {
        this.api = api;
    }

    List<Resource> resources() {
        return List.of(
                Resource.at(AdminPaths.UPSTREAMS).get(call -> Answer.ok(api.health())),
                Resource.at(AdminPaths.UPSTREAM_RELEASE).post(this::release));
    }

    private Answer release(AdminCall call) {
        String name = call.param("name");
        UpstreamReleased released = api.release(name);
        return new Answer(200, released, name, "released: " + released.released());
    }
}
