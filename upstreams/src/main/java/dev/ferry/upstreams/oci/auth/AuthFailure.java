package dev.ferry.upstreams.oci.auth;

import dev.ferry.upstreams.pool.FailureKind;

/** Why a request could not be authorised; becomes the endpoint's failure. */
final class AuthFailure extends Exception {
    final FailureKind kind;

    AuthFailure(FailureKind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }
}
