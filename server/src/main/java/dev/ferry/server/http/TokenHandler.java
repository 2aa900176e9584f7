package dev.ferry.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.RegistryQuery;
import dev.ferry.server.registryauth.RegistryAuth;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import java.util.List;

/**
 * {@code GET /v2/token?service=ferry&scope=...}: ferry's token endpoint, where {@link RegistryGate}'s challenge
 * sends clients. Basic credentials, or none (an anonymous token grants what anonymous pull allows).
 */
final class TokenHandler {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final RegistryGate gate;

    TokenHandler(RegistryGate gate) {
        this.gate = gate;
    }

    void handle(Exchange x, RegistryQuery query) {
        List<String> scopes = query.values().getOrDefault("scope", List.of());
        RegistryAuth.Caller caller = gate.identify(x);
        RegistryAuth.Grant grant = gate.auth().issue(caller, scopes);
        if (grant == null) {
            x.res.header(HeaderNames.WWW_AUTHENTICATE, "Basic realm=\"ferry\"");
            if (caller instanceof RegistryAuth.Caller.Invalid i && i.retryAfter() != null) {
                RegistryGate.retryAfter(x, i);
                OciAnswerResponder.error(x, OciErrorCode.UNAUTHORIZED, i.why());
                return;
            }
            OciAnswerResponder.error(x, OciErrorCode.UNAUTHORIZED, "wrong user name or password");
            return;
        }
        ObjectNode body = MAPPER.createObjectNode();
        body.put("token", grant.token());
        body.put("access_token", grant.token());
        body.put("expires_in", grant.expiresIn().toSeconds());
        body.put("issued_at", grant.issuedAt().toString());
        OciAnswerResponder.sendJson(x, Status.OK_200, body);
    }
}
