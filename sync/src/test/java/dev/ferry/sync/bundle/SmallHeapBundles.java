package dev.ferry.sync.bundle;

import dev.ferry.protocols.sumdb.note.Signer;
import dev.ferry.storage.ChunkSizes;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An export or an import through {@link BundleService}, alone in a JVM: {@link SmallHeapBundleTest} runs it in a
 * child JVM with a small heap. Prints {@code bundle <id>} after an export; exits 0 when the job succeeded, 1 with its
 * error otherwise.
 *
 * <pre>
 * export STORE DATA KEYFILE MEDIUM [since BUNDLE-ID | inventory FILE]
 * import STORE DATA KEYFILE BUNDLE
 * inventory STORE DATA KEYFILE FILE        (writes this store's inventory)
 * </pre>
 */
final class SmallHeapBundles {
    /** Chunks of 64-256 bytes: many chunks from few bytes. */
    static final ChunkSizes TINY = new ChunkSizes(64, 128, 256, 1);

    private SmallHeapBundles() {}

    public static void main(String[] args) throws Exception {
        Signer signer = Signer.parse(Files.readString(Path.of(args[3])).strip());
        try (RocksContentStore store =
                RocksContentStore.open(Path.of(args[1]), StoreOptions.defaults().withChunkSizes(TINY))) {
            BundleService service = new BundleService(
                    store,
                    Path.of(args[2]),
                    () -> Optional.of(signer),
                    Clock.systemUTC(),
                    5,
                    selection -> BundleFixture.everything(store),
                    BundleFixture.SYNTHETIC);
            if (args[0].equals("inventory")) {
                System.out.println("heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
                service.writeInventory(Path.of(args[4])).forEach(c -> System.out.println(c.what() + ": " + c.value()));
                return;
            }
            boolean since = args.length > 6 && args[5].equals("since");
            boolean inventory = args.length > 6 && args[5].equals("inventory");
            BundleProgress started = switch (args[0]) {
                case "export" ->
                    service.export(new ExportRequest(
                            Path.of(args[4]),
                            Selection.all(),
                            BundleFormat.BUNDLE,
                            "small-heap",
                            inventory ? Optional.of(Path.of(args[6])) : Optional.empty(),
                            since ? Optional.of(args[6]) : Optional.empty(),
                            ExportRequest.DEFAULT_MAX_VOLUME_SIZE,
                            Map.of()));
                case "import" ->
                    service.importBundle(new ImportRequest(List.of(Path.of(args[4])), List.of(signer.verifier())));
                default -> throw new IllegalArgumentException("export or import, not " + args[0]);
            };
            BundleProgress done = service.await(started.id()).orElseThrow();
            System.out.println("heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
            if (done.state() != BundleProgress.State.SUCCEEDED) {
                System.out.println("failed: " + done.error());
                System.exit(1);
            }
            done.summary().forEach(c -> System.out.println(c.what() + ": " + c.value()));
            System.out.println("bundle " + done.bundleId());
        }
    }
}
