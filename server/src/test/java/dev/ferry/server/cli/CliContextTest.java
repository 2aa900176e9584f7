package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Whether the CLI sees a terminal decides between a progress bar and plain lines. Asked in a child JVM, once with
 * its standard streams on pipes and once on a pseudo-terminal made by util-linux's {@code script}.
 */
class CliContextTest {
    /** The child: prints what {@link CliContext#consoleIsTerminal()} says. */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.println("terminal=" + CliContext.consoleIsTerminal());
        }
    }

    @Test
    void pipesAreNoTerminal() throws Exception {
        assertEquals("terminal=false", run(javaCommand()));
    }

    @Test
    void aPseudoTerminalIsOne() throws Exception {
        // script -q -e -c CMD /dev/null: runs CMD on a new pseudo-terminal, copies its output, exits with its status
        assertEquals(
                "terminal=true",
                run(List.of(
                        "script",
                        "-q",
                        "-e",
                        "-c",
                        String.join(
                                " ",
                                javaCommand().stream()
                                        .map(CliContextTest::shellQuote)
                                        .toList()),
                        "/dev/null")));
    }

    private static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Probe.class.getName());
        return cmd;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("probe still running after 60 s: " + out);
        }
        assertEquals(0, p.exitValue(), out);
        return out.strip();
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
