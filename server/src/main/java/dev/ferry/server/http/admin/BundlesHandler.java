package dev.ferry.server.http.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.BundleApi;
import dev.ferry.server.admin.RequestBodies;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.BundleJob;
import dev.ferry.server.admin.api.InventoryWritten;
import dev.ferry.server.admin.api.StartExport;
import dev.ferry.server.admin.api.StartImport;
import java.util.List;

/**
 * {@code /admin/api/exports}, {@code /imports}, {@code /inventory} and {@code /bundles}: bundle jobs, the inventory
 * and the export history. On a ferry without bundle support each answers 404 (once the method is allowed).
 */
final class BundlesHandler {
    private final AdminApi api;

    BundlesHandler(AdminApi api) {
        this.api = api;
    }

    List<Resource> resources() {
        return List.of(
                Resource.at(AdminPaths.EXPORTS)
                        .get(call -> Answer.ok(api.bundles().exports()))
                        .post(this::export),
                Resource.at(AdminPaths.EXPORT_JOB)
                        .get(call -> Answer.ok(api.bundles().export(call.param("id"))))
                        .delete(call -> cancelled(call, api.bundles().cancelExport(call.param("id")))),
                Resource.at(AdminPaths.IMPORTS)
                        .get(call -> Answer.ok(api.bundles().imports()))
                        .post(this::importBundle),
                Resource.at(AdminPaths.IMPORT_JOB)
                        .get(call -> Answer.ok(api.bundles().importJob(call.param("id"))))
                        .delete(call -> cancelled(call, api.bundles().cancelImport(call.param("id")))),
                Resource.at(AdminPaths.INVENTORY).post(this::inventory),
                Resource.at(AdminPaths.BUNDLES)
                        .get(call -> Answer.ok(api.bundles().history())));
    }

    // Each POST reads its body before asking for the bundle service and checks the fields after, as a ferry without
    // one always answered: a body that is not JSON is a 400 there too, a good one a 404.

    private Answer export(AdminCall call) {
        ObjectNode body = call.body();
        BundleApi bundles = api.bundles();
        StartExport request = RequestBodies.startExport(body);
        BundleJob started = bundles.startExport(request);
        return new Answer(202, started, request.to(), "started " + started.id());
    }

    private Answer importBundle(AdminCall call) {
        ObjectNode body = call.body();
        BundleApi bundles = api.bundles();
        StartImport request = RequestBodies.startImport(body);
        BundleJob started = bundles.startImport(request);
        List<String> keys = request.trust() == null ? List.of() : request.trust();
        // The directories as sent: one, or an array of them; keys a request added are audited with it.
        return new Answer(
                202,
                started,
                body.path("from").toString(),
                "started " + started.id()
                        + (keys.isEmpty() ? "" : "; trusting the request's keys " + String.join(", ", keys)));
    }

    private Answer inventory(AdminCall call) {
        ObjectNode body = call.body();
        BundleApi bundles = api.bundles();
        InventoryWritten written = bundles.inventory(RequestBodies.writeInventory(body));
        return new Answer(200, written, written.out(), "written");
    }

    private static Answer cancelled(AdminCall call, BundleJob job) {
        return new Answer(200, job, call.param("id"), "cancelled");
    }
}
