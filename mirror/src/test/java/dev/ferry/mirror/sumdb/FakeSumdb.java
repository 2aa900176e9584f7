package dev.ferry.mirror.sumdb;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ferry.protocols.sumdb.note.Note;
import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.protocols.sumdb.tlog.Hash;
import dev.ferry.protocols.sumdb.tlog.Tile;
import dev.ferry.protocols.sumdb.tlog.Tlog;
import dev.ferry.protocols.sumdb.tlog.Tree;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny checksum database (fewer than 256 records, so one partial hash tile per tree) served by WireMock under
 * {@code /sumdb/<name>/}, as an upstream proxy serves it. Tests make it lie in chosen ways.
 */
final class FakeSumdb {
    final Signer signer;
    final List<String> records = new ArrayList<>();

    FakeSumdb(Signer signer) {
        this.signer = signer;
    }

    String name() {
        return signer.name();
    }

    String key() {
        return signer.verifier().encoded();
    }

    /** Adds a record for module@version with these hashes; returns its id. */
    int add(String module, String version, String zipHash, String modHash) {
        records.add(
                module + " " + version + " " + zipHash + "\n" + module + " " + version + "/go.mod " + modHash + "\n");
        return records.size() - 1;
    }

    /** Filler records so that trees differ. */
    void addFiller(int n) {
        for (int i = 0; i < n; i++) {
            int k = records.size();
            String h = "h1:"
                    + java.util.Base64.getEncoder()
                            .encodeToString(
                                    Tlog.recordHash(("f" + k).getBytes()).bytes());
            add("example.com/filler" + k, "v1.0.0", h, h);
        }
    }

    Hash leaf(int i) {
        return Tlog.recordHash(records.get(i).getBytes(StandardCharsets.UTF_8));
    }

    Hash mth(int lo, int hi) {
        if (hi - lo == 1) {
            return leaf(lo);
        }
        int k = Integer.highestOneBit(hi - lo - 1);
        return Tlog.nodeHash(mth(lo, lo + k), mth(lo + k, hi));
    }

    Tree tree(int size) {
        return new Tree(size, mth(0, size));
    }

    byte[] note(int size, Signer by) {
        return Note.sign(tree(size).formatNote(), by);
    }

    byte[] lookup(int id, int size, Signer by) {
        byte[] head = (id + "\n" + records.get(id) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] note = note(size, by);
        byte[] out = java.util.Arrays.copyOf(head, head.length + note.length);
        System.arraycopy(note, 0, out, head.length, note.length);
        return out;
    }

    byte[] tile(int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < size; i++) {
            out.writeBytes(leaf(i).bytes());
        }
        return out.toByteArray();
    }

    String tilePath(int size) {
        return new Tile(8, 0, 0, size).path();
    }

    /** Serves the whole current log, lookups for every record, signed by {@code by}. */
    void serve(WireMockServer server, Signer by) {
        int size = records.size();
        String base = "/sumdb/" + name() + "/";
        server.stubFor(get(urlEqualTo(base + "latest"))
                .willReturn(aResponse().withStatus(200).withBody(note(size, by))));
        server.stubFor(get(urlEqualTo(base + tilePath(size)))
                .willReturn(aResponse().withStatus(200).withBody(tile(size))));
        for (int id = 0; id < size; id++) {
            String[] f = records.get(id).split(" ", 3);
            String path = dev.ferry.protocols.module.ModulePath.parse(f[0]).escaped() + "@" + f[1];
            server.stubFor(get(urlEqualTo(base + "lookup/" + path))
                    .willReturn(aResponse().withStatus(200).withBody(lookup(id, size, by))));
        }
    }
}
