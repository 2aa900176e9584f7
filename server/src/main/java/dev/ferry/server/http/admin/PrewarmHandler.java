package dev.ferry.server.http.admin;

import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.RequestBodies;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.PrewarmJob;
import java.util.List;

/** {@code /admin/api/prewarm}: start, list, show and cancel prewarm jobs. */
final class PrewarmHandler {
    private final AdminApi api;

    PrewarmHandler(AdminApi api) {
        this.api = api;
    }

    List<Resource> resources() {
        return List.of(
                Resource.at(AdminPaths.PREWARM)
                        .get(call -> Answer.ok(api.prewarms()))
                        .post(this::start),
                Resource.at(AdminPaths.PREWARM_JOB)
                        .get(call -> Answer.ok(api.prewarm(call.param("id"))))
                        .delete(this::cancel));
    }

    private Answer start(AdminCall call) {
        PrewarmJob started = api.startPrewarm(RequestBodies.startPrewarm(call.body()));
        return new Answer(202, started, started.description(), "started " + started.id());
    }

    private Answer cancel(AdminCall call) {
        String id = call.param("id");
        return new Answer(200, api.cancelPrewarm(id), id, "cancelled");
    }
}
