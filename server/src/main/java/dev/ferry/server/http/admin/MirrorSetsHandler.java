package dev.ferry.server.http.admin;

import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.RequestBodies;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.PrewarmJob;
import dev.ferry.server.admin.api.RegisteredSet;
import java.util.List;

/** {@code /admin/api/mirror-sets}: register, list, show, run and remove mirror sets. */
final class MirrorSetsHandler {
    private final AdminApi api;

    MirrorSetsHandler(AdminApi api) {
        this.api = api;
    }

    List<Resource> resources() {
        return List.of(
                Resource.at(AdminPaths.MIRROR_SETS)
                        .get(call -> Answer.ok(api.mirrorSets()))
                        .post(this::register),
                Resource.at(AdminPaths.MIRROR_SET)
                        .get(call -> Answer.ok(api.mirrorSet(call.param("name"))))
                        .delete(this::remove),
                Resource.at(AdminPaths.MIRROR_SET_RUN).post(this::run));
    }

    private Answer register(AdminCall call) {
        RegisteredSet set = api.addMirrorSet(RequestBodies.registerMirrorSet(call.body()));
        return new Answer(201, set, set.name(), "registered, refresh " + set.refresh());
    }

    private Answer remove(AdminCall call) {
        String name = call.param("name");
        return new Answer(200, api.removeMirrorSet(name), name, "removed");
    }

    private Answer run(AdminCall call) {
        String name = call.param("name");
        PrewarmJob run = api.runMirrorSet(name);
        return new Answer(202, run, name, "run " + run.id());
    }
}
