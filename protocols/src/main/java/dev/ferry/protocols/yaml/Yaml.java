package dev.ferry.protocols.yaml;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * YAML files bound to records by Jackson. A key given twice is refused by the parser, a value of the wrong shape by
 * the binding, each failure with its location ({@link #line}). A key the record does not declare is refused too, but
 * Jackson buffers unknown keys of a record before it reports them, losing their line: records collect them with
 * {@code @JsonAnySetter Map<String, Located<Object>>} instead, and their check refuses them with the line.
 */
public final class Yaml {
    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper MAPPER =
            new ObjectMapper(FACTORY).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectMapper LENIENT_MAPPER = new ObjectMapper(FACTORY)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addHandler(new Lenient());

    static {
        // "key:" with nothing after it is an empty string to YAML: where a list or mapping belongs, it is null
        // (the check reports it), not a failure of the whole document.
        LENIENT_MAPPER.coercionConfigDefaults().setCoercion(CoercionInputShape.EmptyString, CoercionAction.AsNull);
    }

    private Yaml() {}

    /** The document bound as {@code type}, or null when it holds nothing (empty, only comments, or {@code ~}). */
    public static <T> T read(String text, Class<T> type) throws JsonProcessingException {
        return read(text, MAPPER.readerFor(type));
    }

    /**
     * As {@link #read}, but a value of the wrong shape (a list where one value belongs, a scalar where a mapping
     * does) binds as null instead of failing the document: for files whose good parts are used while the bad
     * ones are reported, each through the {@link Located} line its check sees.
     */
    public static <T> T readLenient(String text, TypeReference<T> type) throws JsonProcessingException {
        return read(
                text, LENIENT_MAPPER.readerFor(LENIENT_MAPPER.getTypeFactory().constructType(type)));
    }

    @SuppressWarnings("TypeParameterUnusedInFormals") // private: each caller's Class or TypeReference fixes T
    private static <T> T read(String text, ObjectReader reader) throws JsonProcessingException {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null || first == JsonToken.VALUE_NULL) {
                return null;
            }
            return reader.readValue(p);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading a string cannot fail with I/O", e);
        }
    }

    /** The line a failure was found on, or 0 when Jackson does not know. */
    public static int line(JsonProcessingException e) {
        return e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
    }

    /** The failure's first line without Jackson's location suffix (the caller names the file and line). */
    public static String reason(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        return m == null
                ? e.getClass().getSimpleName()
                : m.lines().findFirst().orElse("").strip();
    }

    /**
     * The keys a record declares, in order ({@code @JsonProperty} names where given), without its
     * {@code @JsonAnySetter}: for "unknown key" messages that say what is known.
     */
    public static List<String> keys(Class<? extends Record> shape) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : shape.getRecordComponents()) {
            String key = key(c);
            if (key != null) {
                out.add(key);
            }
        }
        return List.copyOf(out);
    }

    /** The key a record component binds ({@code @JsonProperty} name where given); null for the any-setter. */
    public static String key(RecordComponent c) {
        Field f;
        try {
            f = c.getDeclaringRecord().getDeclaredField(c.getName());
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
        if (f.isAnnotationPresent(JsonAnySetter.class)) {
            return null;
        }
        JsonProperty named = f.getAnnotation(JsonProperty.class);
        return named != null && !named.value().isEmpty() ? named.value() : c.getName();
    }

    /** Skips a value of the wrong shape and binds null in its place. */
    private static final class Lenient extends DeserializationProblemHandler {
        @Override
        public Object handleUnexpectedToken(
                DeserializationContext ctxt, JavaType targetType, JsonToken t, JsonParser p, String failureMsg)
                throws IOException {
            p.skipChildren();
            return null;
        }

        @Override
        public Object handleMissingInstantiator(
                DeserializationContext ctxt, Class<?> instClass, ValueInstantiator valueInsta, JsonParser p, String msg)
                throws IOException {
            p.skipChildren();
            return null;
        }
    }
}
