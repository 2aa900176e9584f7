package dev.ferry.server.http.admin;

/**
 * A route's answer: the status and body (a record of {@link dev.ferry.server.admin.api}), and what the audit log
 * says of it when the request changed something: the {@code target} it acted on and its {@code result}.
 */
public record Answer(int status, Object body, String target, String result) {
    public static Answer ok(Object body) {
        return new Answer(200, body, "", "ok");
    }
}
