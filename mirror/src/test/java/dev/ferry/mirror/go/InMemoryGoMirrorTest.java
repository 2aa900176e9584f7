package dev.ferry.mirror.go;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.mirror.InMemoryContentStore;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InMemoryGoMirrorTest extends GoMirrorContractTest {
    private InMemoryContentStore memory;

    @Override
    InMemoryContentStore openStore(Path dir) {
        memory = new InMemoryContentStore();
        return memory;
    }

    @Override
    void closeStore() {
        memory.close();
    }

    @Test
    void failedCommitIsNotAcknowledgedAndLeavesNothing() throws IOException {
        String zip = TOML + "/@v/v1.2.0.zip";
        serve(a, zip);
        memory.failNextCommit();
        assertFailsForTheClient(answer("/" + zip));
        assertNothingStored(zip);
        assertEquals(0, memory.openWriters());
        // The next request fetches again and succeeds.
        assertArrayEquals(fixture(zip), body(answer("/" + zip)));
        a.verify(2, getRequestedFor(urlEqualTo("/" + zip)));
    }

    @Test
    void rejectedFetchLeavesNoWriterOpen() throws IOException {
        String mod = TOML + "/@v/v1.2.0.mod";
        serve(
                a,
                mod,
                com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                        .withStatus(200)
                        .withBody("module other.example/m\n"));
        answer("/" + mod);
        assertEquals(0, memory.openWriters());
        assertEquals(0, memory.names().size());
    }
}
