/**
 * The admin API's requests and responses as records ({@code docs/admin-api.md} is their contract), written and
 * read by Jackson through {@link dev.ferry.server.admin.api.AdminJson}: the server answers with them, the CLI reads
 * the answers into them and sends its requests as them, and a web console will use them too. Field order and names
 * are the wire format: a record's components are written in declaration order, so reordering one changes the JSON.
 * Times are ISO-8601 text and nullable numbers are boxed, as on the wire. Nothing here depends on the server.
 */
package dev.ferry.server.admin.api;
