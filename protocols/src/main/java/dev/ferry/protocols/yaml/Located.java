package dev.ferry.protocols.yaml;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import java.io.IOException;

/**
 * A value bound from a YAML document with the line it starts on, so that a check made after binding can still
 * point at the file. A key that is absent binds as a null {@code Located}; a key given as {@code ~} or a value
 * {@link Yaml#readLenient} could not bind binds as a {@code Located} whose {@code value} is null.
 */
@JsonDeserialize(using = Located.Reader.class)
public record Located<T>(T value, int line) {

    /** Binds the inner type with Jackson's own deserializer (contextualised, so property annotations apply). */
    static final class Reader extends JsonDeserializer<Located<?>> implements ContextualDeserializer {
        private final JsonDeserializer<Object> inner;

        Reader() {
            this(null);
        }

        private Reader(JsonDeserializer<Object> inner) {
            this.inner = inner;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
                throws JsonMappingException {
            JavaType type = ctxt.getContextualType() != null ? ctxt.getContextualType() : property.getType();
            return new Reader(ctxt.findContextualValueDeserializer(type.containedTypeOrUnknown(0), property));
        }

        @Override
        public Located<?> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            int line = p.currentTokenLocation().getLineNr();
            return new Located<>(inner.deserialize(p, ctxt), line);
        }

        @Override
        public Located<?> getNullValue(DeserializationContext ctxt) {
            return new Located<>(null, ctxt.getParser().currentTokenLocation().getLineNr());
        }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) {
            return null;
        }
    }

    /** For mapping keys ({@code @JsonDeserialize(keyUsing = Located.KeyReader.class)}): the key with its own line. */
    public static final class KeyReader extends KeyDeserializer {
        @Override
        public Object deserializeKey(String key, DeserializationContext ctxt) {
            return new Located<>(key, ctxt.getParser().currentTokenLocation().getLineNr());
        }
    }
}
