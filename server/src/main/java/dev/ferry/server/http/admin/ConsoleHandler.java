package dev.ferry.server.http.admin;

import dev.ferry.server.admin.ConsoleApi;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.metrics.RecentMinutes;
import dev.ferry.server.metrics.RecentRefusals;
import java.util.List;

/**
 * The reads the web console needs beyond the CLI's: per-minute history for charts, the last refusals, paged and
 * searchable listings of Go modules, versions, repositories, tags, a manifest, and the audit log.
 */
final class ConsoleHandler {
    private final ConsoleApi api;
    private final RecentMinutes minutes;
    private final RecentRefusals refusals;

    ConsoleHandler(ConsoleApi api, RecentMinutes minutes, RecentRefusals refusals) {
        this.api = api;
        this.minutes = minutes;
        this.refusals = refusals;
    }

    List<Resource> resources() {
        return List.of(
                Resource.at(AdminPaths.METRICS_RECENT).get(call -> Answer.ok(minutes.history())),
                Resource.at(AdminPaths.REFUSALS).get(call -> Answer.ok(refusals.list())),
                Resource.at(AdminPaths.PIN_SETS)
                        .get(call ->
                                Answer.ok(api.pinSets(call.query("prefix"), call.query("after"), call.query("limit")))),
                Resource.at(AdminPaths.SETTINGS).get(call -> Answer.ok(api.settings())),
                Resource.at(AdminPaths.SIGNING_KEY).get(call -> Answer.ok(api.signingKey())),
                Resource.at(AdminPaths.GO_MODULES)
                        .get(call -> Answer.ok(api.modules(call.query("q"), call.query("after"), call.query("limit")))),
                Resource.at(AdminPaths.GO_VERSIONS)
                        .get(call -> Answer.ok(
                                api.versions(call.query("module"), call.query("after"), call.query("limit")))),
                Resource.at(AdminPaths.OCI_REPOSITORIES)
                        .get(call ->
                                Answer.ok(api.repositories(call.query("q"), call.query("after"), call.query("limit")))),
                Resource.at(AdminPaths.OCI_TAGS)
                        .get(call -> Answer.ok(api.tags(
                                call.query("registry"),
                                call.query("repository"),
                                call.query("q"),
                                call.query("after"),
                                call.query("limit")))),
                Resource.at(AdminPaths.OCI_MANIFEST)
                        .get(call -> Answer.ok(
                                api.manifest(call.query("registry"), call.query("repository"), call.query("digest")))),
                Resource.at(AdminPaths.AUDIT)
                        .get(call -> Answer.ok(api.audit(
                                call.query("since"),
                                call.query("until"),
                                call.query("action"),
                                call.query("result"),
                                call.query("who"),
                                call.query("after"),
                                call.query("limit")))));
    }
}
