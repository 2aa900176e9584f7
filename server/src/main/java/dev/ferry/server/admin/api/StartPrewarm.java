package dev.ferry.server.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /admin/api/prewarm}: what to plan a job from, by {@code kind}. Absent fields are not sent; the server
 * fills in the defaults ({@code name} of the file, default platforms).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = StartPrewarm.GoMod.class, name = "gomod"),
    @JsonSubTypes.Type(value = StartPrewarm.GoSum.class, name = "gosum"),
    @JsonSubTypes.Type(value = StartPrewarm.Modules.class, name = "modules"),
    @JsonSubTypes.Type(value = StartPrewarm.Toolchains.class, name = "toolchains"),
    @JsonSubTypes.Type(value = StartPrewarm.Images.class, name = "images"),
    @JsonSubTypes.Type(value = StartPrewarm.MirrorSetFile.class, name = "mirrorset")
})
public sealed interface StartPrewarm {

    /**
     * A Go project: a go.mod's {@code content}, or a workspace's {@code gowork} with each used directory's go.mod
     * ({@code workspace}); optionally its go.sum ({@code gosum}) and the import paths of its Go files.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record GoMod(
            String name,
            String content,
            String gowork,
            Map<String, String> workspace,
            String gosum,
            List<String> imports)
            implements StartPrewarm {
        public static GoMod file(String name, String content) {
            return new GoMod(name, content, null, null, null, null);
        }
    }

    /** Exactly a go.sum's lines. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record GoSum(String name, String content) implements StartPrewarm {}

    /** {@code MODULE@QUERY} items, or every listed version of each module with {@code allVersions}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Modules(List<String> items, boolean allVersions) implements StartPrewarm {}

    /**
     * Go toolchains (the modules {@code golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH} the go command downloads for
     * {@code GOTOOLCHAIN}): each release in {@code versions} ("go1.22.4") for each of {@code platforms}
     * ("linux/amd64,linux/arm64"; required, as each is about 70 MB).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Toolchains(List<String> versions, String platforms) implements StartPrewarm {}

    /** Image references for {@code platforms} ("os/arch,...", or "all"; null: linux/amd64 and linux/arm64). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Images(List<String> items, String platforms) implements StartPrewarm {}

    /** A mirror set's YAML, run once. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MirrorSetFile(String name, String content) implements StartPrewarm {}
}
