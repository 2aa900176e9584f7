package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkout launcher's start-up archive (scripts/jvm-defaults.sh, as ./ferry uses it: made by the first run, the
 * JDK 25 AOT cache or before it a CDS archive) when two first runs exit at the same moment. Each records to its own
 * file, and a later start renames one whole recording into place and maps it; with the old single name both JVMs
 * wrote one file at once. A small program stands in for ferry (the archive code does not care which), held open
 * until the test releases both at once.
 */
class LauncherArchiveIT {
    private static final String TRAINEE = Trainee.class.getName();
    private static final boolean AOT = Runtime.version().feature() >= 25;

    @TempDir
    Path tmp;

    private Path jar;
    private Path archive;
    private String made;

    @BeforeEach
    void trainee() throws IOException {
        jar = tmp.resolve("trainee.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        String entry = TRAINEE.replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream jarOut = new JarOutputStream(out, manifest);
                InputStream in = LauncherArchiveIT.class.getClassLoader().getResourceAsStream(entry)) {
            jarOut.putNextEntry(new JarEntry(entry));
            in.transferTo(jarOut);
            jarOut.closeEntry();
        }
        archive = Files.createDirectories(tmp.resolve("target")).resolve("ferry-serve");
        made = archive + "-" + System.getProperty("java.runtime.version") + (AOT ? ".aot" : ".jsa");
    }

    @Test
    void twoFirstRunsExitingAtOnceEachRecordToTheirOwnFileAndTheNextStartMapsOneWholeRecording() throws Exception {
        // Two first runs: no archive yet, so each records (the JVM writes its recording when it exits).
        Launched a = launch(List.of());
        Launched b = launch(List.of());
        String recordA = recording(a);
        String recordB = recording(b);
        assertTrue(recordA.endsWith("=" + made + "." + a.process.pid() + ".part"), recordA);
        assertTrue(recordB.endsWith("=" + made + "." + b.process.pid() + ".part"), recordB);
        assertNotEquals(recordA, recordB);
        // Released together, they write at the same time, each its own file, nothing at the name the JVM maps.
        a.release();
        b.release();
        assertEquals(0, a.exit(), a.log());
        assertEquals(0, b.exit(), b.log());
        assertEquals(
                Stream.of(a, b)
                        .map(l -> Path.of(made + "." + l.process.pid() + ".part"))
                        .sorted()
                        .toList(),
                archiveFiles());

        // The next start renames one into place, removes the other, and maps it. With -XX:AOTMode=on a JVM refuses
        // to start on an AOT cache it cannot use (a torn one, or one of another class path).
        Launched c = launch(AOT ? List.of("-XX:AOTMode=on") : List.of());
        assertEquals(List.of(Path.of(made)), archiveFiles());
        assertFalse(recording(c).startsWith("-XX:"), "the archive is made: no new recording");
        assertTrue(
                Files.readAllLines(Path.of("/proc", String.valueOf(c.process.pid()), "maps")).stream()
                        .anyMatch(l -> l.endsWith(" " + made)),
                "the JVM maps " + made);
        c.release();
        assertEquals(0, c.exit(), c.log());
        assertEquals(List.of(Path.of(made)), archiveFiles());
    }

    /** The JVM's option that records the archive ("" when it records none). */
    private static String recording(Launched l) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(l.process.pid()), "cmdline"));
        return Arrays.stream(new String(raw, StandardCharsets.UTF_8).split("\0"))
                .filter(o -> o.startsWith("-XX:AOTCacheOutput=") || o.startsWith("-XX:ArchiveClassesAtExit="))
                .findFirst()
                .orElse("");
    }

    private List<Path> archiveFiles() throws IOException {
        try (Stream<Path> files = Files.list(archive.getParent())) {
            return files.sorted().toList();
        }
    }

    private Launched launch(List<String> javaOpts) throws Exception {
        Path defaults = Deploy.root().resolve("scripts/jvm-defaults.sh");
        ProcessBuilder pb = new ProcessBuilder(
                "bash",
                "-c",
                ". \"$1\"; ferry_jvm_defaults \"$2\" \"$3\"; exec \"$JAVA_HOME/bin/java\" \"${jvm_defaults[@]}\""
                        + " ${FERRY_JAVA_OPTS:-} -cp \"$4\" \"$5\"",
                "launcher",
                defaults.toString(),
                tmp.toString(),
                archive.toString(),
                jar.toString(),
                TRAINEE);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("FERRY_JAVA_OPTS", String.join(" ", javaOpts));
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Path log = Files.createTempFile(tmp, "launch", ".log");
        pb.redirectError(log.toFile());
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        assertEquals("started", first, "the program started: " + Files.readString(log));
        return new Launched(p, log);
    }

    private record Launched(Process process, Path logFile) {
        void release() throws IOException {
            process.getOutputStream().close();
        }

        int exit() throws InterruptedException {
            // Recording runs assemble their archive at exit: a child JVM for an AOT cache, seconds on a loaded box.
            assertTrue(process.waitFor(5, TimeUnit.MINUTES), "exited");
            return process.exitValue();
        }

        String log() throws IOException {
            return Files.readString(logFile);
        }
    }

    /** Stands in for ferry: up, then waits for its standard input to close. */
    static final class Trainee {
        private Trainee() {}

        public static void main(String[] args) throws IOException {
            System.out.println("started");
            System.out.flush();
            while (System.in.read() != -1) {
                // the test closes standard input to release it
            }
        }
    }
}
