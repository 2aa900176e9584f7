package dev.ferry.server.http.admin;

/** Answers one method of one resource; refuses by throwing {@link dev.ferry.server.admin.ApiException}. */
@FunctionalInterface
public interface AdminRoute {
    Answer answer(AdminCall call);
}
