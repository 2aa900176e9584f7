package dev.ferry.server.tls;

import dev.ferry.server.config.TlsSettings;
import io.helidon.common.tls.Tls;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts a rotated certificate into service without a restart: watches the directories of the certificate, key and
 * client CA files (a directory, because cert-manager and Kubernetes secrets replace files by renaming a symlinked
 * directory, which a watch on the file would miss), and also looks at them every {@link #RECHECK} in case the file
 * system sends no events (NFS). When their bytes changed it builds a new {@link Tls} and hands it to the server;
 * new handshakes use it, open connections keep theirs. A half-written rotation (a key that is not the
 * certificate's yet) is logged and retried at the next change; the old certificate stays in service meanwhile.
 */
public final class CertificateReloader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("ferry.tls");
    static final Duration RECHECK = Duration.ofMinutes(1);

    private final TlsSettings settings;
    private final Consumer<Tls> server;
    private final List<Path> files;
    private final WatchService watch;
    private final Thread thread;
    private String fingerprint;
    private String refused;

    private CertificateReloader(TlsSettings settings, Consumer<Tls> server) throws IOException {
        this.settings = settings;
        this.server = server;
        List<Path> f = new ArrayList<>(List.of(settings.certificate(), settings.key()));
        if (settings.asksForClientCertificates()) {
            f.add(settings.clientCa());
        }
        this.files = List.copyOf(f);
        this.fingerprint = fingerprint();
        this.watch = FileSystems.getDefault().newWatchService();
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path p : files) {
            dirs.add(p.toAbsolutePath().getParent());
        }
        for (Path dir : dirs) {
            dir.register(
                    watch,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        }
        this.thread = Thread.ofPlatform().daemon().name("ferry-tls-reload").unstarted(this::run);
    }

    /**
     * Starts watching; {@code server} receives each new Tls ({@code WebServer::reloadTls}). The files' present
     * content is taken as what the server already serves.
     */
    public static CertificateReloader start(TlsSettings settings, Consumer<Tls> server) throws IOException {
        CertificateReloader r = new CertificateReloader(settings, server);
        r.thread.start();
        return r;
    }

    private void run() {
        try {
            while (true) {
                var key = watch.poll(RECHECK.toMillis(), TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
                check();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    /** Reloads when the files' bytes differ from what is in service. */
    synchronized void check() {
        String now;
        try {
            now = fingerprint();
        } catch (IOException e) {
            // a file between delete and create: the next event comes
            return;
        }
        if (now.equals(fingerprint) || now.equals(refused)) {
            return;
        }
        try {
            Tls tls = ListenerTls.load(settings);
            server.accept(tls);
            fingerprint = now;
            refused = null;
            LOG.info("TLS certificate reloaded from " + settings.certificate() + ": "
                    + ListenerTls.describe(
                            PemFiles.certificates(settings.certificate()).getFirst()));
        } catch (IOException | RuntimeException e) {
            refused = now;
            LOG.log(
                    Level.WARNING,
                    "TLS files changed but cannot be used yet; the current certificate stays: " + e.getMessage());
        }
    }

    private String fingerprint() throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path p : files) {
                sha.update(Files.readAllBytes(p));
                sha.update((byte) 0);
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing the TLS file watch", e);
        }
        thread.interrupt();
    }
}
