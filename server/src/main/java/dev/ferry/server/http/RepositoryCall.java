package dev.ferry.server.http;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciRepositories;
import dev.ferry.protocols.oci.RegistryQuery;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.server.hosted.HostedRepositories;
import dev.ferry.server.registryauth.RegistryAuth.Action;
import dev.ferry.server.registryauth.RegistryAuth.Caller;

/**
 * One {@code /v2/NAME/...} request that {@link OciHandler} has parsed, whose method the resource has, and whose
 * name routes to a target that may answer it (a write reaches here only for a hosted name). A resource handler
 * checks the rest of the request, then answers through {@link #read} or {@link #hosted}.
 */
final class RepositoryCall {
    /** A read, asked of a mirrored registry (under its own name for the repository) or the hosted repositories. */
    interface Read {
        OciAnswer from(OciRepositories target, RepositoryName name);
    }

    /** An operation on the hosted repositories, by a caller who may do it. */
    interface Operation {
        OciAnswer on(HostedRepositories target, Caller caller);
    }

    private final Exchange x;
    private final String method;
    private final RegistryQuery query;
    private final RepositoryName name;
    private final RegistryRouter.Route route;
    private final RegistryGate gate;
    private final NotHostedHere notHostedHere;

    /**
     * @param method the request's method ("HEAD" for HEAD)
     * @param name   the repository name as the client wrote it (Location and Link headers point back at it)
     * @param route  {@link RegistryRouter.Route.Mirrored} or {@link RegistryRouter.Route.Hosted}
     */
    RepositoryCall(
            Exchange x,
            String method,
            RegistryQuery query,
            RepositoryName name,
            RegistryRouter.Route route,
            RegistryGate gate,
            NotHostedHere notHostedHere) {
        this.x = x;
        this.method = method;
        this.query = query;
        this.name = name;
        this.route = route;
        this.gate = gate;
        this.notHostedHere = notHostedHere;
    }

    Exchange x() {
        return x;
    }

    String method() {
        return method;
    }

    RegistryQuery query() {
        return query;
    }

    /** Content-Length, or -1 when the body is chunked or absent. */
    long declaredLength() {
        return x.req.headers().contentLength().orElse(-1L);
    }

    boolean hasBody() {
        return x.req.content().hasEntity();
    }

    void read(Read read) {
        read(-1, read);
    }

    /**
     * Answers a read: a mirrored name from its registry (a miss explained by {@link NotHostedHere}), a hosted one
     * once the caller may pull.
     *
     * @param n the {@code n} of a tags page (its Link header repeats it), or -1
     */
    void read(int n, Read read) {
        switch (route) {
            case RegistryRouter.Route.Mirrored mr -> {
                x.upstream = "registry:" + mr.registry();
                OciAnswerResponder.respond(
                        x, notHostedHere.explain(read.from(mr.target(), mr.name()), name), name.value(), n);
            }
            case RegistryRouter.Route.Hosted h ->
                hosted(Action.PULL, null, n, (target, caller) -> read.from(target, name));
            case RegistryRouter.Route.Refused r ->
                throw new IllegalStateException("a refused route is answered before");
        }
    }

    void hosted(Action action, Operation operation) {
        hosted(action, null, -1, operation);
    }

    /**
     * Answers an operation on the hosted repositories once the caller may do {@code action}; else 401 with the
     * challenge for the scope it needs.
     *
     * @param alsoPull a second repository the operation reads (a mount's source), or null: the challenge asks for
     *                 a token that may pull it too, as distribution's does, or the mount quietly becomes an upload
     */
    void hosted(Action action, RepositoryName alsoPull, Operation operation) {
        hosted(action, alsoPull, -1, operation);
    }

    private void hosted(Action action, RepositoryName alsoPull, int n, Operation operation) {
        HostedRepositories target = ((RegistryRouter.Route.Hosted) route).target();
        Caller caller = gate.identify(x);
        if (!gate.auth().allows(caller, name.value(), action)) {
            gate.challenge(x, name, action, alsoPull, caller);
            return;
        }
        OciAnswerResponder.respond(x, operation.on(target, caller), name.value(), n);
    }
}
