package dev.ferry.server.hosted;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.OciErrorCode;

/**
 * A request the hosted registry refuses with a spec error (a 4xx): thrown from deep inside a body copy or an
 * append and turned back into its {@link OciAnswer.Error} at the API boundary. Expected, so no stack trace.
 */
final class Refusal extends Exception {
    private final OciAnswer.Error answer;

    Refusal(OciErrorCode code, String message) {
        super(message, null, false, false);
        this.answer = new OciAnswer.Error(code, message);
    }

    OciAnswer.Error answer() {
        return answer;
    }
}
