package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No stray files: a ferry started from the build loads RocksDB's JNI library from the build output, so a SIGKILL
 * (OOM killer, power cut, a test's cleanup) leaves no 17 MB copy in the temporary directory, as every start did
 * when RocksDB unpacked its own.
 */
class NativeLibraryIT {
    @TempDir
    Path tmp;

    @Test
    void rocksDbIsLoadedFromTheBuildOutputAndAKilledFerryLeavesNothingInTmp() throws Exception {
        String arch = System.getProperty("os.arch");
        assumeTrue(
                System.getProperty("os.name").equals("Linux") && (arch.equals("amd64") || arch.equals("aarch64")),
                "the build unpacks the library for Linux x86_64 and aarch64");
        String file = arch.equals("amd64") ? "librocksdbjni-linux64.so" : "librocksdbjni-linux-aarch64.so";
        Path built = Path.of("target", "native", file).toAbsolutePath();
        assertTrue(Files.isRegularFile(built), "the build unpacked " + built);
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));

        for (int start = 0; start < 2; start++) {
            FerryProcess ferry = FerryProcess.start(
                    tmp.resolve("data"),
                    tmp.resolve("ferry.log"),
                    Map.of("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + javaTmp),
                    "--go-upstream",
                    "off",
                    "--sumdb",
                    "off");
            List<String> maps = Files.readAllLines(Path.of("/proc", String.valueOf(ferry.pid()), "maps"));
            assertTrue(
                    maps.stream().anyMatch(l -> l.endsWith(" " + built)),
                    "ferry mapped " + built + ":\n"
                            + String.join(
                                    "\n",
                                    maps.stream()
                                            .filter(l -> l.contains("rocksdb"))
                                            .toList()));
            ferry.kill();
        }
        try (Stream<Path> left = Files.list(javaTmp)) {
            assertEquals(
                    List.of(),
                    left.filter(p -> p.getFileName().toString().contains("rocksdb"))
                            .toList(),
                    "RocksDB copies left in java.io.tmpdir");
        }
    }
}
