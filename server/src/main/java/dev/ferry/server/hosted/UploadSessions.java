package dev.ferry.server.hosted;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocols.oci.RepositoryName;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The blob upload sessions in progress, each as two files in the uploads directory: {@code <uuid>.data} (the
 * bytes received so far) and {@code <uuid>.json} (repository, acknowledged offset, created and touched times).
 *
 * <p>Crash-safety rule: <b>the offset in the .json is the truth; the .data file is only trusted up to it</b>. An
 * append writes and fsyncs the data first, then replaces the .json atomically (temp file, fsync, rename), and only
 * then is the chunk acknowledged. So after a crash the data file is either exactly the acknowledged length, or
 * longer by a chunk the client never got a 202 for (trimmed back at open, the client resends it from the offset
 * it knows), or, if the disk lost synced data, shorter (the session is dropped: BLOB_UPLOAD_UNKNOWN makes the
 * client start again, which beats completing a blob with a hole). A refused or broken append truncates the data
 * back to the acknowledged offset at once, so a chunk is all or nothing.
 */
final class UploadSessions {
    private static final System.Logger LOG = System.getLogger(UploadSessions.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DATA = ".data";
    private static final String META = ".json";
    private static final String TEMP = ".tmp";

    private final Path dir;
    private final Clock clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    /** One upload in progress. Its fields change only under {@link #lock}; {@code gone} once committed or dropped. */
    static final class Session {
        final String uuid;
        final RepositoryName repository;
        final Instant created;
        final ReentrantLock lock = new ReentrantLock();
        private volatile long offset;
        private volatile Instant touched;
        private boolean gone;

        private Session(String uuid, RepositoryName repository, Instant created, long offset, Instant touched) {
            this.uuid = uuid;
            this.repository = repository;
            this.created = created;
            this.offset = offset;
            this.touched = touched;
        }

        long offset() {
            return offset;
        }

        Instant touched() {
            return touched;
        }

        /** Under the lock: whether the session was committed or dropped while the caller waited for it. */
        boolean gone() {
            return gone;
        }
    }

    /** What an append to a session may add to it: the bytes, their declared length, and the room left. */
    interface Writer {
        long write(OutputStream out) throws Refusal, IOException;
    }

    /** Opens the directory (creating it) and picks up the sessions an earlier run left, under the rule above. */
    UploadSessions(Path dir, Clock clock) throws IOException {
        this.dir = dir;
        this.clock = clock;
        Files.createDirectories(dir);
        List<Path> files = list();
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.endsWith(META)) {
                recover(name.substring(0, name.length() - META.length()));
            }
        }
        for (Path file : files) {
            // Temp metadata, and data whose session never got (or lost) its metadata: nothing refers to them.
            if (!sessions.containsKey(uuidOf(file.getFileName().toString()))) {
                Files.deleteIfExists(file);
            }
        }
    }

    private void recover(String uuid) throws IOException {
        Path meta = dir.resolve(uuid + META);
        Path data = dir.resolve(uuid + DATA);
        Session session;
        try {
            JsonNode node = JSON.readTree(Files.readAllBytes(meta));
            session = new Session(
                    uuid,
                    new RepositoryName(node.get("repository").asText()),
                    Instant.parse(node.get("created").asText()),
                    node.get("offset").asLong(),
                    Instant.parse(node.get("touched").asText()));
        } catch (IOException | RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "upload " + uuid + ": unreadable metadata, dropped: " + e.getMessage());
            return;
        }
        long size = Files.exists(data) ? Files.size(data) : -1;
        if (size < session.offset) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "upload " + uuid + ": " + Math.max(size, 0) + " bytes on disk but " + session.offset
                            + " acknowledged; dropped, the client must start again");
            return;
        }
        if (size > session.offset) {
            try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
                ch.truncate(session.offset);
                ch.force(true);
            }
        }
        sessions.put(uuid, session);
    }

    /** Starts a session for {@code repository}: an empty data file, then its metadata. */
    Session create(RepositoryName repository) {
        Instant now = clock.instant();
        Session session = new Session(UUID.randomUUID().toString(), repository, now, 0, now);
        try {
            Files.write(dir.resolve(session.uuid + DATA), new byte[0], StandardOpenOption.CREATE_NEW);
            writeMeta(session, 0, now);
        } catch (IOException e) {
            deleteFiles(session.uuid);
            throw new UncheckedIOException(e);
        }
        sessions.put(session.uuid, session);
        return session;
    }

    /** The session {@code uuid} of {@code repository}; null when there is none, or it belongs to another repository. */
    Session find(RepositoryName repository, String uuid) {
        Session session = uuid == null ? null : sessions.get(uuid);
        return session != null && session.repository.equals(repository) ? session : null;
    }

    /**
     * Under the session's lock: appends what {@code writer} writes at the acknowledged offset and acknowledges the
     * new end durably (the rule in the class doc). A refusal or a broken body leaves the session as it was.
     */
    long append(Session session, Writer writer) throws Refusal {
        long start = session.offset;
        Path data = dir.resolve(session.uuid + DATA);
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
            ch.position(start);
            long added;
            try {
                added = writer.write(Channels.newOutputStream(ch));
                if (added > 0) {
                    ch.force(false);
                    Instant now = clock.instant();
                    writeMeta(session, start + added, now);
                    session.offset = start + added;
                    session.touched = now;
                }
            } catch (Refusal | IOException | RuntimeException e) {
                ch.truncate(start);
                throw e;
            }
            return added;
        } catch (IOException e) {
            throw new UncheckedIOException("upload " + session.uuid + ": append failed: " + e.getMessage(), e);
        }
    }

    /** The data file, to read the whole upload from (under the session's lock). */
    Path data(Session session) {
        return dir.resolve(session.uuid + DATA);
    }

    /** Under the session's lock: the session is over (committed or cancelled); its files go. */
    void remove(Session session) {
        session.gone = true;
        sessions.remove(session.uuid, session);
        deleteFiles(session.uuid);
    }

    /**
     * Drops every session not touched for longer than {@code expiry} (skipping one a request holds right now) and
     * deletes stray files older than that; returns how many sessions went.
     */
    int expire(Duration expiry) {
        Instant cutoff = clock.instant().minus(expiry);
        int dropped = 0;
        for (Session session : sessions.values()) {
            if (session.touched.isBefore(cutoff) && session.lock.tryLock()) {
                try {
                    if (!session.gone && session.touched.isBefore(cutoff)) {
                        remove(session);
                        dropped++;
                    }
                } finally {
                    session.lock.unlock();
                }
            }
        }
        try {
            for (Path file : list()) {
                String uuid = uuidOf(file.getFileName().toString());
                if (!sessions.containsKey(uuid)
                        && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "uploads: stray files not cleaned: " + e.getMessage());
        }
        return dropped;
    }

    int size() {
        return sessions.size();
    }

    private void writeMeta(Session session, long offset, Instant touched) throws IOException {
        ObjectNode node = JSON.createObjectNode()
                .put("repository", session.repository.value())
                .put("offset", offset)
                .put("created", session.created.toString())
                .put("touched", touched.toString());
        Path temp = dir.resolve(session.uuid + META + TEMP);
        try (FileChannel ch = FileChannel.open(
                temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(node)));
            ch.force(true);
        }
        try {
            Files.move(
                    temp,
                    dir.resolve(session.uuid + META),
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the uploads directory " + dir + " cannot rename atomically", e);
        }
        syncDirectory();
    }

    /** Makes a rename durable (a no-op where directories cannot be opened, as on Windows). */
    private void syncDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not supported on this platform: the rename is as durable as the OS makes it.
        }
    }

    private void deleteFiles(String uuid) {
        for (String suffix : List.of(META, DATA, META + TEMP)) {
            try {
                Files.deleteIfExists(dir.resolve(uuid + suffix));
            } catch (NoSuchFileException e) {
                // already gone
            } catch (IOException e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "upload " + uuid + ": " + suffix + " not deleted: " + e.getMessage() + " (expiry retries)");
            }
        }
    }

    private List<Path> list() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(files::add);
        }
        return files;
    }

    private static String uuidOf(String fileName) {
        int dot = fileName.indexOf('.');
        return dot < 0 ? fileName : fileName.substring(0, dot);
    }
}
