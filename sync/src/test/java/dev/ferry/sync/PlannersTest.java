package dev.ferry.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mirror.BytesBody;
import dev.ferry.mirror.go.GoAnswer;
import dev.ferry.mirror.go.GoModuleMirror;
import dev.ferry.protocols.module.ModulePath;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlannersTest {
    /** Answers from a map of upstream paths; counts requests. */
    static final class FakeMirror implements GoModuleMirror {
        final Map<String, String> files = new HashMap<>();

        FakeMirror put(String path, String body) {
            files.put(path, body);
            return this;
        }

        @Override
        public GoAnswer answer(dev.ferry.protocols.goproxy.ProxyRequest request) {
            String body = files.get(request.upstreamPath());
            if (body == null) {
                return new GoAnswer.NotFound("not found: " + request.upstreamPath(), false, GoAnswer.CacheOutcome.MISS);
            }
            return new GoAnswer.Content(
                    new BytesBody(body.getBytes(StandardCharsets.UTF_8)),
                    "text/plain",
                    "x",
                    GoAnswer.Freshness.FRESH,
                    GoAnswer.CacheOutcome.HIT);
        }
    }

    static final String H = "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    final FakeMirror mirror = new FakeMirror()
            .put("example.com/a/@v/list", "v1.0.0\nv1.1.0\nv1.1.1\nv1.2.0-rc.1\nv2.0.0\njunk\n")
            .put("example.com/a/@latest", "{\"Version\":\"v1.1.1\"}")
            .put("example.com/b/@v/list", "")
            .put("example.com/b/@latest", "{\"Version\":\"v0.0.0-20220101000000-abcdefabcdef\"}")
            .put("example.com/a/@v/v1.1.1.mod", "module example.com/a\ngo 1.16\nrequire example.com/b v0.1.0\n")
            .put("example.com/b/@v/v0.1.0.mod", "module example.com/b\n");
    final GoPrewarmPlanner planner = new GoPrewarmPlanner(mirror);

    private static List<String> names(Plan p) {
        return p.items().stream().map(Object::toString).toList();
    }

    @Test
    void queriesResolveThroughTheMirror() {
        Plan p = planner.planQueries(
                List.of(
                        "example.com/a@latest",
                        "example.com/a@v1.0",
                        "example.com/a@v1",
                        "example.com/a@v1.0.0",
                        "example.com/b",
                        "Bad..Path@v1.0.0",
                        "example.com/a@v3",
                        "example.com/a@>=v1.1.0",
                        "example.com/none@latest",
                        "example.com/a@v1.2.3-what.is@this"),
                false);
        assertEquals(
                List.of(
                        "example.com/a@v1.1.1.info",
                        "example.com/a@v1.1.1.mod",
                        "example.com/a@v1.1.1.zip",
                        "example.com/a@v1.0.0.info",
                        "example.com/a@v1.0.0.mod",
                        "example.com/a@v1.0.0.zip",
                        "example.com/b@v0.0.0-20220101000000-abcdefabcdef.info",
                        "example.com/b@v0.0.0-20220101000000-abcdefabcdef.mod",
                        "example.com/b@v0.0.0-20220101000000-abcdefabcdef.zip",
                        "example.com/a@v1.1.0.info",
                        "example.com/a@v1.1.0.mod",
                        "example.com/a@v1.1.0.zip",
                        "example.com/a@v1.2.0-rc.1.info",
                        "example.com/a@v1.2.0-rc.1.mod",
                        "example.com/a@v1.2.0-rc.1.zip"),
                names(p));
        assertEquals(
                List.of(6, 7, 9, 10),
                p.errors().stream().map(PlanError::line).toList(),
                p.errors().toString());
        assertTrue(
                p.errors().get(1).toString().startsWith("arguments:7: example.com/a@v3: no version"),
                p.errors().get(1).toString());

        Plan all = planner.planQueries(List.of("example.com/a", "example.com/b"), true);
        assertEquals(5 * 3, all.items().size(), names(all).toString());
    }

    @Test
    void goSumLinesBecomeFilesAndBadLinesErrors() {
        Plan p = planner.planGoSum(
                "go.sum",
                ("example.com/a v1.0.0 " + H + "\nexample.com/a v1.0.0/go.mod " + H + "\nexample.com/a v1.0 " + H
                                + "\n")
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(
                List.of("example.com/a@v1.0.0.info", "example.com/a@v1.0.0.zip", "example.com/a@v1.0.0.mod"), names(p));
        assertEquals(1, p.errors().size());
        assertEquals(3, p.errors().get(0).line());
    }

    @Test
    void badGoModLinesAreReportedAndTheRestIsPlanned() {
        String gomod = "module example.com/main\n\ngo 1.19\n\nrequire (\n\texample.com/a v1.1.1\n"
                + "\tExample..com/bad v1.0.0\n\texample.com/c\n)\n";
        Plan p = planner.planGoMod("app/go.mod", gomod.getBytes(StandardCharsets.UTF_8));
        assertEquals(
                List.of(7, 8),
                p.errors().stream().map(PlanError::line).toList(),
                p.errors().toString());
        assertTrue(
                p.errors().get(0).toString().startsWith("app/go.mod:7: "),
                p.errors().get(0).toString());
        assertEquals(
                List.of(
                        "example.com/a@v1.1.1.info",
                        "example.com/a@v1.1.1.mod",
                        "example.com/a@v1.1.1.zip",
                        "example.com/b@v0.1.0.info",
                        "example.com/b@v0.1.0.mod",
                        "example.com/b@v0.1.0.zip"),
                names(p));

        Plan missing = planner.planGoMod(
                "go.mod",
                "module example.com/main\ngo 1.16\nrequire example.com/x v1.0.0\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(1, missing.errors().size());
        assertTrue(
                missing.errors().get(0).message().startsWith("example.com/x@v1.0.0: "),
                missing.errors().toString());
        // The build list entry is still planned: fetching it reports the failure per item too.
        assertEquals(3, missing.items().size());
    }

    @Test
    void toolchainsAreTheirModuleVersionsFilesWithoutAListOrQuery() {
        Plan p = GoPrewarmPlanner.planToolchains(List.of(
                new dev.ferry.protocols.toolchain.Toolchain(
                        dev.ferry.protocols.toolchain.GoRelease.parse("go1.22.4"),
                        dev.ferry.protocols.toolchain.GoPlatform.parse("linux/amd64")),
                new dev.ferry.protocols.toolchain.Toolchain(
                        dev.ferry.protocols.toolchain.GoRelease.parse("go1.22.4"),
                        dev.ferry.protocols.toolchain.GoPlatform.parse("linux/arm64"))));
        assertEquals(
                List.of(
                        "golang.org/toolchain@v0.0.1-go1.22.4.linux-amd64.info",
                        "golang.org/toolchain@v0.0.1-go1.22.4.linux-amd64.mod",
                        "golang.org/toolchain@v0.0.1-go1.22.4.linux-amd64.zip",
                        "golang.org/toolchain@v0.0.1-go1.22.4.linux-arm64.info",
                        "golang.org/toolchain@v0.0.1-go1.22.4.linux-arm64.mod",
                        "golang.org/toolchain@v0.0.1-go1.22.4.linux-arm64.zip"),
                names(p));
        assertTrue(p.errors().isEmpty());
    }

    @Test
    void aMirrorSetListsToolchainsAsExactVersionsOfTheirModule() {
        String yaml = """
                modules:
                  - path: golang.org/toolchain
                    versions: v0.0.1-go1.22.4.linux-amd64
                  - path: golang.org/toolchain
                    versions: v0.0.1-go1.22.4.darwin-arm64
                """;
        MirrorSet.Parsed parsed = MirrorSet.parse("set.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertTrue(parsed.errors().isEmpty(), parsed.errors().toString());
        Plan p = new MirrorSetPlanner(planner, null, List::of).plan(parsed);
        assertTrue(p.errors().isEmpty(), p.errors().toString());
        assertEquals(6, p.items().size(), names(p).toString());
        assertTrue(names(p).contains("golang.org/toolchain@v0.0.1-go1.22.4.darwin-arm64.zip"), names(p).toString());
    }

    @Test
    void mirrorSetsParseWithLineNumbersAndPlan() {
        String yaml = """
                name: nightly
                refresh: 6h
                modules:
                  - path: example.com/a
                    versions: ">=v1.1.0"
                  - path: example.com/*
                    versions: latest
                  - path: Bad..Path
                  - versions: all
                  - path: example.com/a
                    versions: "<v2"
                    colour: red
                images:
                  - repository: docker.io/library/alpine
                    tags: "^3\\\\.1[89]$"
                    platforms: [linux/amd64, linux/arm64]
                  - repository: registry.example/app:1.0
                    semver: ">=1.2.0 <2"
                  - repository: registry.example/app
                    platforms: linux/amd64/v9/x
                """;
        MirrorSet.Parsed parsed = MirrorSet.parse("set.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertEquals(
                List.of(8, 9, 11, 12, 17, 20),
                parsed.errors().stream().map(PlanError::line).toList(),
                parsed.errors().toString());
        MirrorSet set = parsed.set();
        assertEquals("nightly", set.name());
        assertEquals(java.time.Duration.ofHours(6), set.refresh());
        assertEquals(2, set.modules().size());
        assertEquals(1, set.images().size());
        assertEquals(
                Platforms.parse("linux/amd64,linux/arm64"), set.images().get(0).platforms());

        MirrorSetPlanner msp = new MirrorSetPlanner(
                planner, null, () -> List.of(ModulePath.parse("example.com/b"), ModulePath.parse("other.example/c")));
        Plan p = msp.plan(parsed);
        assertTrue(
                names(p).containsAll(List.of(
                        "example.com/a@v1.1.0.zip",
                        "example.com/a@v1.1.1.zip",
                        "example.com/a@v2.0.0.zip".replace("v2.0.0", "v1.2.0-rc.1"),
                        "example.com/b@v0.0.0-20220101000000-abcdefabcdef.zip")),
                names(p).toString());
        assertTrue(
                p.errors().stream().anyMatch(e -> e.line() == 14 && e.message().contains("no OCI registry")),
                p.errors().toString());

        MirrorSet.Parsed broken = MirrorSet.parse("b.yaml", "modules:\n  - path: [unclosed\n".getBytes());
        assertEquals(1, broken.errors().size());
        assertTrue(broken.errors().get(0).line() >= 2, broken.errors().toString());
        assertTrue(MirrorSet.matchesSemver(">=1.2.0 <2", "v1.5"));
        assertTrue(!MirrorSet.matchesSemver(">=1.2.0 <2", "2.0.0"));
        assertTrue(!MirrorSet.matchesSemver(">=1.2.0", "latest"));
    }
}
