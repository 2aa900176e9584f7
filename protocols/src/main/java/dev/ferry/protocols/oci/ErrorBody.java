package dev.ferry.protocols.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The distribution spec's error body: {@code {"errors":[{"code":"...","message":"...","detail":...}]}}.
 * The message is the one a user sees in skopeo or docker, so it names the problem plainly.
 */
public final class ErrorBody {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorBody() {}

    /**
     * UTF-8 JSON bytes; {@code detail} may be null (then omitted), a null {@code message} becomes the code's
     * description. Jackson escapes the strings, and unpaired surrogates (which UTF-8 cannot encode) become
     * U+FFFD, so any text still yields valid JSON.
     */
    public static byte[] json(OciErrorCode code, String message, String detail) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putArray("errors").addObject();
        error.put("code", code.name());
        error.put("message", wellFormed(message == null ? code.description() : message));
        if (detail != null) {
            error.put("detail", wellFormed(detail));
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serialises", e);
        }
    }

    /** {@code s} with each unpaired surrogate replaced by U+FFFD. */
    private static String wellFormed(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired =
                    Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (b != null) {
                    b.append(c).append(s.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (b == null) {
                    b = new StringBuilder(s.length()).append(s, 0, i);
                }
                b.append('\uFFFD');
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
