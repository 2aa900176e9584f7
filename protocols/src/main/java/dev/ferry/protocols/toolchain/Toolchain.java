package dev.ferry.protocols.toolchain;

import dev.ferry.protocols.FormatException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Go toolchain as the module the go command downloads for it: {@code golang.org/toolchain} at
 * {@code v0.0.1-go1.22.4.linux-amd64} (golang.org/x/build's dl2mod, cmd/go's toolchain switch).
 */
public record Toolchain(GoRelease release, GoPlatform platform) {
    public static final ModulePath MODULE = ModulePath.parse("golang.org/toolchain");
    private static final String BASE = "v0.0.1-";
    private static final Pattern VERSION = Pattern.compile("v0\\.0\\.1-(go[0-9a-z.]+)\\.([a-z0-9]+)-([a-z0-9]+)");

    public Toolchain {
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(platform, "platform");
    }

    /** The module version: {@code v0.0.1-} release {@code .GOOS-GOARCH}. */
    public Version version() {
        return Version.parse(BASE + release + "." + platform.goos() + "-" + platform.goarch());
    }

    /** {@code golang.org/toolchain@v0.0.1-go1.22.4.linux-amd64}. */
    @Override
    public String toString() {
        return MODULE + "@" + version();
    }

    /** The toolchain a module version of {@link #MODULE} names; FormatException when it names none. */
    public static Toolchain ofVersion(Version version) {
        Matcher m = VERSION.matcher(version.toString());
        if (!m.matches()) {
            throw new FormatException("not a toolchain module version: " + FormatException.quote(version.toString()));
        }
        return new Toolchain(GoRelease.parse(m.group(1)), new GoPlatform(m.group(2), m.group(3)));
    }
}
