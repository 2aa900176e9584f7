package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.sync.MirrorSet;
import dev.ferry.sync.Plan;
import dev.ferry.sync.PlanError;
import dev.ferry.sync.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Mirror sets registered with the server: each is planned and run again every {@code refresh} (new versions and
 * tags get fetched; what is stored is not fetched again), and the last run's report is kept. Registrations are
 * persisted in {@code DATA/mirror-sets.json} (name, file name, YAML text, refresh, when the last run started), so
 * they survive restarts; after a restart a set runs when its interval since the last run is up.
 *
 * <p>Each set has its own {@link PrewarmService} (its own pin set {@code mirror-set:NAME}, one kept report).
 */
public final class MirrorSetRegistry implements AutoCloseable {
    public static final String FILE = "mirror-sets.json";
    public static final Duration MIN_REFRESH = Duration.ofMinutes(1);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Logger LOG = Logger.getLogger("ferry.mirror-sets");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a registration needs from the server: a service to run the set's plans in, and the planner. */
    public interface Runtime {
        PrewarmService service(String setName);

        Plan plan(MirrorSet.Parsed parsed);

        /** Called after a set was unregistered (the server drops its pins). */
        default void removed(String setName) {}
    }

    /** @param refresh how often the set runs again; null for never (a set that came with an imported bundle) */
    public record Registration(String name, String fileName, String content, Duration refresh, Instant registered) {}

    /** A registration and its schedule. */
    public static final class Entry {
        private final Registration registration;
        private final PrewarmService service;
        private volatile ScheduledFuture<?> future;
        private volatile PrewarmService.Run last;
        private volatile Instant lastStarted;
        private volatile Instant nextRun;

        private Entry(Registration registration, PrewarmService service, Instant lastStarted) {
            this.registration = registration;
            this.service = service;
            this.lastStarted = lastStarted;
        }

        public Registration registration() {
            return registration;
        }

        /** The last run started since this server started, or null. */
        public PrewarmService.Run lastRun() {
            return last;
        }

        public Instant lastStarted() {
            return lastStarted;
        }

        public Instant nextRun() {
            return nextRun;
        }
    }

    public static final class Invalid extends Exception {
        private final List<PlanError> errors;

        Invalid(String message, List<PlanError> errors) {
            super(message);
            this.errors = List.copyOf(errors);
        }

        public List<PlanError> errors() {
            return errors;
        }
    }

    private final Path file;
    private final Runtime runtime;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final Map<String, Entry> entries = new TreeMap<>();

    public MirrorSetRegistry(Path file, Runtime runtime, Clock clock) {
        this.file = file;
        this.runtime = runtime;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("ferry-mirror-sets").factory());
    }

    /** Reads the registrations saved by an earlier run and schedules them. */
    public synchronized void load() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        JsonNode root = JSON.readTree(file.toFile());
        for (JsonNode n : root.path("sets")) {
            try {
                Registration r = new Registration(
                        n.get("name").asText(),
                        n.get("fileName").asText(),
                        n.get("content").asText(),
                        n.hasNonNull("refresh")
                                ? Duration.parse(n.get("refresh").asText())
                                : null,
                        Instant.parse(n.get("registered").asText()));
                Instant lastStarted = n.hasNonNull("lastStarted")
                        ? Instant.parse(n.get("lastStarted").asText())
                        : null;
                Entry e = new Entry(r, runtime.service(r.name()), lastStarted);
                entries.put(r.name(), e);
                if (r.refresh() == null) {
                    continue;
                }
                Duration delay = lastStarted == null
                        ? Duration.ZERO
                        : Duration.between(clock.instant(), lastStarted.plus(r.refresh()));
                schedule(e, delay.isNegative() ? Duration.ZERO : delay);
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "skipping an unreadable mirror set registration in " + file + ": " + n, ex);
            }
        }
        LOG.info("mirror sets registered: " + entries.keySet());
    }

    private static MirrorSet.Parsed parseValid(String fileName, String content) throws Invalid {
        MirrorSet.Parsed parsed = MirrorSet.parse(fileName, content.getBytes(StandardCharsets.UTF_8));
        if (!parsed.errors().isEmpty()) {
            throw new Invalid(
                    "the mirror set has errors: "
                            + parsed.errors().stream()
                                    .map(PlanError::toString)
                                    .collect(java.util.stream.Collectors.joining("; ")),
                    parsed.errors());
        }
        return parsed;
    }

    private static String validName(String n) throws Invalid {
        if (!NAME.matcher(n).matches()) {
            throw new Invalid(
                    "invalid mirror set name \"" + n + "\" (letters, digits, '.', '_', '-'; set name: in the"
                            + " file or pass a name)",
                    List.of());
        }
        return n;
    }

    /**
     * Registers (or replaces) a set and runs it now. {@code name} and {@code refresh} override the file's own.
     * Throws Invalid when the file has errors, or lacks a name or refresh interval that the caller does not give.
     */
    public Entry register(String fileName, String content, String name, Duration refresh) throws Invalid, IOException {
        MirrorSet.Parsed parsed = parseValid(fileName, content);
        String n = validName(name != null ? name : parsed.set().name());
        Duration every = refresh != null ? refresh : parsed.set().refresh();
        if (every == null) {
            throw new Invalid(
                    "a registered mirror set needs a refresh interval (refresh: in the file, or pass one)", List.of());
        }
        if (every.compareTo(MIN_REFRESH) < 0) {
            throw new Invalid("refresh interval " + every + " is shorter than the minimum " + MIN_REFRESH, List.of());
        }
        Entry e;
        synchronized (this) {
            Entry old = entries.remove(n);
            if (old != null) {
                stop(old);
            }
            e = new Entry(new Registration(n, fileName, content, every, clock.instant()), runtime.service(n), null);
            entries.put(n, e);
            save();
            // The first run starts before the answer goes out, so whoever registered the set can follow it.
            run(e);
            schedule(e, every);
        }
        LOG.info("mirror set " + n + " registered, refresh every " + every);
        return e;
    }

    /**
     * Registers (or replaces) a set that came with an imported bundle: kept and listed, with no schedule and not run,
     * since an offline site has nowhere to fetch from ({@code ferry mirror-set add} with a refresh interval
     * schedules it if the site goes online). Invalid when the text has errors or the name is not valid.
     */
    public Entry registerUnscheduled(String fileName, String content, String name) throws Invalid, IOException {
        MirrorSet.Parsed parsed = parseValid(fileName, content);
        String n = validName(name != null ? name : parsed.set().name());
        Entry e;
        synchronized (this) {
            Entry old = entries.remove(n);
            if (old != null) {
                stop(old);
            }
            e = new Entry(new Registration(n, fileName, content, null, clock.instant()), runtime.service(n), null);
            entries.put(n, e);
            save();
        }
        LOG.info("mirror set " + n + " registered without a schedule (" + fileName + ")");
        return e;
    }

    public synchronized List<Entry> list() {
        return new ArrayList<>(entries.values());
    }

    public synchronized Optional<Entry> get(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** Unregisters: no further runs, the running one is cancelled. False when there is no such set. */
    public boolean remove(String name) throws IOException {
        synchronized (this) {
            Entry e = entries.remove(name);
            if (e == null) {
                return false;
            }
            stop(e);
            save();
        }
        runtime.removed(name);
        LOG.info("mirror set " + name + " removed");
        return true;
    }

    /** Runs the set now (unless a run of it is still going); returns the run, or empty when there is no such set. */
    public Optional<PrewarmService.Run> runNow(String name) {
        Entry e = get(name).orElse(null);
        return e == null ? Optional.empty() : Optional.of(run(e));
    }

    private void schedule(Entry e, Duration delay) {
        e.nextRun = clock.instant().plus(delay);
        e.future = scheduler.scheduleWithFixedDelay(
                () -> {
                    try {
                        run(e);
                    } catch (RuntimeException ex) {
                        LOG.log(Level.WARNING, "running mirror set " + e.registration.name() + " failed", ex);
                    }
                },
                delay.toMillis(),
                e.registration.refresh().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private PrewarmService.Run run(Entry e) {
        synchronized (e) {
            PrewarmService.Run last = e.last;
            if (last != null && !last.isDone()) {
                LOG.info("mirror set " + e.registration.name() + ": the last run is still going; not starting another");
                return last;
            }
            Registration r = e.registration;
            e.lastStarted = clock.instant();
            e.nextRun = r.refresh() == null ? null : e.lastStarted.plus(r.refresh());
            e.last = e.service.start(
                    "mirror set " + r.name(),
                    () -> runtime.plan(MirrorSet.parse(r.fileName(), r.content().getBytes(StandardCharsets.UTF_8))));
        }
        synchronized (this) {
            if (entries.get(e.registration.name()) == e) {
                try {
                    save();
                } catch (IOException ex) {
                    LOG.log(Level.WARNING, "cannot save " + file, ex);
                }
            }
        }
        return e.last;
    }

    private void stop(Entry e) {
        ScheduledFuture<?> f = e.future;
        if (f != null) {
            f.cancel(false);
        }
        PrewarmService.Run last = e.last;
        if (last != null && !last.isDone()) {
            e.service.cancel(last.id());
        }
    }

    /** Writes the registrations to a temporary file and moves it over the old one. */
    private void save() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode sets = root.putArray("sets");
        for (Entry e : entries.values()) {
            Registration r = e.registration;
            ObjectNode n = sets.addObject();
            n.put("name", r.name());
            n.put("fileName", r.fileName());
            n.put("refresh", r.refresh() == null ? null : r.refresh().toString());
            n.put("registered", r.registered().toString());
            n.put("lastStarted", e.lastStarted == null ? null : e.lastStarted.toString());
            n.put("content", r.content());
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, root.toPrettyString() + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The last run's progress or report, if any. */
    public static Optional<Progress> lastReport(Entry e) {
        PrewarmService.Run r = e.last;
        return r == null ? Optional.empty() : Optional.of(r.progress());
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** A runtime from functions. */
    public static Runtime runtime(
            Function<String, PrewarmService> services,
            Function<MirrorSet.Parsed, Plan> planner,
            java.util.function.Consumer<String> removed) {
        return new Runtime() {
            @Override
            public PrewarmService service(String setName) {
                return services.apply(setName);
            }

            @Override
            public Plan plan(MirrorSet.Parsed parsed) {
                return planner.apply(parsed);
            }

            @Override
            public void removed(String setName) {
                removed.accept(setName);
            }
        };
    }
}
