package dev.ferry.protocols.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz targets for Jazzer. In a normal {@code mvn test} they run once per seed under
 * src/test/resources/dev/ferry/protocols/fuzz/ParsersFuzzTestInputs/&lt;method&gt;/ (regression mode); to fuzz,
 * run e.g. {@code JAZZER_FUZZ=1 ./mvnw -pl protocols test -Dtest=ParsersFuzzTest#moduleZip}. Findings land in that
 * directory and then replay in every normal run. The properties are those of {@link Properties}.
 */
class ParsersFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void proxyRequest(FuzzedDataProvider data) {
        Properties.proxyRequest(data.consumeRemainingAsString());
    }

    @FuzzTest(maxDuration = "60s")
    void modulePath(FuzzedDataProvider data) {
        String s = data.consumeRemainingAsString();
        Properties.modulePath(s);
        Properties.unescapePath(s);
        Properties.unescapeVersion(s);
        Properties.filePath(s);
    }

    @FuzzTest(maxDuration = "60s")
    void version(FuzzedDataProvider data) {
        Properties.version(data.consumeRemainingAsString());
    }

    @FuzzTest(maxDuration = "60s")
    void goMod(byte[] data) {
        Properties.goMod(data);
    }

    @FuzzTest(maxDuration = "60s")
    void moduleZip(byte[] data) {
        Properties.moduleZip(data);
    }

    @FuzzTest(maxDuration = "60s")
    void sumdbNote(byte[] data) {
        Properties.signedNote(data);
    }

    @FuzzTest(maxDuration = "60s")
    void sumdbLookup(byte[] data) {
        Properties.lookup(data);
    }

    @FuzzTest(maxDuration = "60s")
    void sumdbPath(FuzzedDataProvider data) {
        Properties.tilePath(data.consumeRemainingAsString());
    }

    @FuzzTest(maxDuration = "60s")
    void gosumdb(FuzzedDataProvider data) {
        Properties.gosumdb(data.consumeRemainingAsString());
    }
}
