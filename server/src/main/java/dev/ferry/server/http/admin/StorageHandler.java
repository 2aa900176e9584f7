package dev.ferry.server.http.admin;

import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.api.AdminPaths;
import java.util.List;

/** {@code /admin/api/storage}: the store's size, quota, pins and hit ratio. */
final class StorageHandler {
    private final AdminApi api;

    StorageHandler(AdminApi api) {
        this.api = api;
    }

    List<Resource> resources() {
        return List.of(Resource.at(AdminPaths.STORAGE).get(call -> Answer.ok(api.storage())));
    }
}
