/**
 * The admin API's HTTP routes: one small handler per resource (upstreams, prewarm jobs, mirror sets, pins, storage,
 * bundles), each naming its paths as Helidon path patterns and answering with a record of
 * {@link dev.ferry.server.admin.api}; {@link dev.ferry.server.http.admin.AdminRoutes} registers them with a 405 for
 * the other methods of each path and a 404 for every other path. The edge around every route (the admin token, the
 * audit log, errors to JSON) is {@code dev.ferry.server.http.AdminHandler}.
 */
package dev.ferry.server.http.admin;
