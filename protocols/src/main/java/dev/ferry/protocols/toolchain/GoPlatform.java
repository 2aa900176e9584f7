package dev.ferry.protocols.toolchain;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A GOOS/GOARCH pair the go command can run on, spelled {@code linux/amd64}. Only pairs Go knows are accepted
 * ({@code go tool dist list} of Go 1.19, plus the ports added up to Go 1.23), so a typo is an error here instead of a
 * toolchain that is never found upstream.
 */
public record GoPlatform(String goos, String goarch) {
    /** Every known GOOS/GOARCH pair. */
    public static final Set<String> KNOWN = Set.of(
            "aix/ppc64",
            "android/386",
            "android/amd64",
            "android/arm",
            "android/arm64",
            "darwin/amd64",
            "darwin/arm64",
            "dragonfly/amd64",
            "freebsd/386",
            "freebsd/amd64",
            "freebsd/arm",
            "freebsd/arm64",
            "freebsd/riscv64",
            "illumos/amd64",
            "ios/amd64",
            "ios/arm64",
            "js/wasm",
            "linux/386",
            "linux/amd64",
            "linux/arm",
            "linux/arm64",
            "linux/loong64",
            "linux/mips",
            "linux/mips64",
            "linux/mips64le",
            "linux/mipsle",
            "linux/ppc64",
            "linux/ppc64le",
            "linux/riscv64",
            "linux/s390x",
            "netbsd/386",
            "netbsd/amd64",
            "netbsd/arm",
            "netbsd/arm64",
            "openbsd/386",
            "openbsd/amd64",
            "openbsd/arm",
            "openbsd/arm64",
            "openbsd/mips64",
            "openbsd/ppc64",
            "openbsd/riscv64",
            "plan9/386",
            "plan9/amd64",
            "plan9/arm",
            "solaris/amd64",
            "wasip1/wasm",
            "windows/386",
            "windows/amd64",
            "windows/arm",
            "windows/arm64");

    public GoPlatform {
        if (!KNOWN.contains(goos + "/" + goarch)) {
            throw new FormatException("unknown platform " + quote(goos + "/" + goarch) + " (want GOOS/GOARCH as"
                    + " 'go tool dist list' prints it, e.g. linux/amd64, linux/arm64, darwin/arm64, windows/amd64)");
        }
    }

    /** {@code GOOS/GOARCH}; throws FormatException naming the input otherwise. */
    public static GoPlatform parse(String text) {
        String t = text == null ? "" : text.strip();
        int slash = t.indexOf('/');
        if (slash <= 0 || slash == t.length() - 1 || t.indexOf('/', slash + 1) >= 0) {
            throw new FormatException("invalid platform " + quote(t) + " (want GOOS/GOARCH, e.g. linux/amd64)");
        }
        return new GoPlatform(t.substring(0, slash), t.substring(slash + 1));
    }

    /** A comma-separated list, in order, without repeats; at least one. */
    public static List<GoPlatform> parseList(String text) {
        if (text == null || text.isBlank()) {
            throw new FormatException("empty platform list (want GOOS/GOARCH,..., e.g. linux/amd64,linux/arm64)");
        }
        Set<GoPlatform> out = new LinkedHashSet<>();
        for (String s : text.split(",", -1)) {
            out.add(parse(s));
        }
        return new ArrayList<>(out);
    }

    @Override
    public String toString() {
        return goos + "/" + goarch;
    }
}
