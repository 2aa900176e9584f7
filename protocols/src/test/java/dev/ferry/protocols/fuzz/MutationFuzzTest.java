package dev.ferry.protocols.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocols.semver.Version;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Deterministic mutation fuzzing of every parser: seeds are mutated with a fixed-seed Random (so a failure
 * reproduces exactly, and the failing input is printed), and each result must satisfy {@link Properties}.
 * {@code -Dferry.fuzz.iterations=N} and {@code -Dferry.fuzz.seed=S} run longer or different campaigns.
 */
class MutationFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("ferry.fuzz.iterations", 3000);
    private static final long SEED = Long.getLong("ferry.fuzz.seed", 20261121L);

    /** Characters that matter to at least one grammar. */
    private static final String INTERESTING =
            "/!.%@v0123456789-+~_\\\n\r\t \"'`()[]{},=>:;#?*AZaz\u00e9\u212a\u0000\u007f";

    private static String mutate(Random r, String s, List<String> pool) {
        StringBuilder b = new StringBuilder(s);
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            int at = b.isEmpty() ? 0 : r.nextInt(b.length() + 1);
            switch (r.nextInt(7)) {
                case 0 -> b.insert(at, INTERESTING.charAt(r.nextInt(INTERESTING.length())));
                case 1 -> {
                    if (at < b.length()) {
                        b.deleteCharAt(at);
                    }
                }
                case 2 -> {
                    if (at < b.length()) {
                        b.setCharAt(at, INTERESTING.charAt(r.nextInt(INTERESTING.length())));
                    }
                }
                case 3 -> {
                    int end = Math.min(b.length(), at + r.nextInt(8));
                    b.insert(at, b.substring(at, end));
                }
                case 4 -> {
                    String other = pool.get(r.nextInt(pool.size()));
                    int from = r.nextInt(other.length() + 1);
                    b.insert(at, other, from, Math.min(other.length(), from + r.nextInt(12)));
                }
                case 5 -> {
                    int end = Math.min(b.length(), at + r.nextInt(6));
                    b.delete(at, end);
                }
                default -> {
                    if (at < b.length()) {
                        b.setCharAt(at, Character.toUpperCase(b.charAt(at)));
                    }
                }
            }
        }
        return b.toString();
    }

    private static byte[] mutate(Random r, byte[] seed) {
        byte[] b = seed.clone();
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, Math.max(1, at)); // truncate
                case 3 -> { // insert a few bytes
                    byte[] ins = new byte[1 + r.nextInt(4)];
                    r.nextBytes(ins);
                    byte[] c = new byte[b.length + ins.length];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(ins, 0, c, at, ins.length);
                    System.arraycopy(b, at, c, at + ins.length, b.length - at);
                    b = c;
                }
                default -> { // set a 16-bit little-endian field to an edge value
                    int[] edges = {0, 1, 0xffff, 0x7fff, 8};
                    int v = edges[r.nextInt(edges.length)];
                    if (at + 1 < b.length) {
                        b[at] = (byte) v;
                        b[at + 1] = (byte) (v >>> 8);
                    }
                }
            }
        }
        return b;
    }

    private static void run(String name, List<String> seeds, Consumer<String> property) {
        Random r = new Random(SEED ^ name.hashCode());
        List<String> inputs = new ArrayList<>(seeds);
        for (int i = 0; i < ITERATIONS; i++) {
            String base = inputs.get(r.nextInt(inputs.size()));
            String in = i < seeds.size() ? seeds.get(i) : mutate(r, base, seeds);
            try {
                property.accept(in);
            } catch (Throwable t) {
                throw new AssertionError(name + " failed on input \"" + escape(in) + "\": " + t, t);
            }
            if (inputs.size() < 500 && r.nextInt(4) == 0) {
                inputs.add(in); // keep some mutants so mutations compound
            }
        }
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints()
                .forEach(c -> b.append(
                        c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
                                ? String.valueOf((char) c)
                                : String.format("\\u{%x}", c)));
        return b.toString();
    }

    @Test
    void proxyRequests() {
        run("ProxyRequest.parse", Seeds.PROXY_PATHS, Properties::proxyRequest);
    }

    @Test
    void modulePaths() {
        List<String> seeds = new ArrayList<>(Seeds.MODULE_PATHS);
        run("ModulePath.parse", seeds, Properties::modulePath);
        run("ModulePath.unescape", seeds, Properties::unescapePath);
        run("FilePath.check", seeds, Properties::filePath);
        run("ModulePath.unescapeVersion", Seeds.VERSIONS, Properties::unescapeVersion);
    }

    @Test
    void versions() {
        List<Version> parsed = new ArrayList<>();
        run("Version.parse", Seeds.VERSIONS, s -> {
            Version v = Properties.version(s);
            if (v != null && parsed.size() < 120) {
                parsed.add(v);
            }
        });
        assertTrue(parsed.size() > 30, "mutations should keep producing valid versions: " + parsed.size());
        Properties.order(parsed);
    }

    @Test
    void goMods() {
        run("GoMod.parse", Seeds.GO_MODS, s -> Properties.goMod(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void moduleZips() {
        List<byte[]> seeds = Seeds.zips();
        Random r = new Random(SEED);
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] in = i < seeds.size() ? seeds.get(i) : mutate(r, seeds.get(r.nextInt(seeds.size())));
            try {
                Properties.moduleZip(in);
            } catch (Throwable t) {
                throw new AssertionError(
                        "ModuleZip.check failed on input " + HexFormat.of().formatHex(in) + ": " + t, t);
            }
        }
    }

    @Test
    void sumdbNotes() {
        run("Note.open", Seeds.NOTES, s -> Properties.signedNote(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void sumdbLookups() {
        run("Lookup.parse+verify", Seeds.LOOKUPS, s -> Properties.lookup(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void sumdbLookupsAsBytes() {
        List<byte[]> seeds = Seeds.LOOKUPS.stream()
                .map(s -> s.getBytes(StandardCharsets.UTF_8))
                .toList();
        Random r = new Random(SEED ^ 0x5ad6);
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] in = i < seeds.size() ? seeds.get(i) : mutate(r, seeds.get(r.nextInt(seeds.size())));
            try {
                Properties.lookup(in);
                Properties.signedNote(in);
            } catch (Throwable t) {
                throw new AssertionError(
                        "sumdb bytes failed on input " + HexFormat.of().formatHex(in) + ": " + t, t);
            }
        }
    }

    @Test
    void tilePaths() {
        run("Tile.parsePath+LookupPath.parse", Seeds.TILE_PATHS, Properties::tilePath);
    }

    @Test
    void gosumdbSettings() {
        run("SumdbConfig.parse", Seeds.GOSUMDBS, Properties::gosumdb);
    }
}
