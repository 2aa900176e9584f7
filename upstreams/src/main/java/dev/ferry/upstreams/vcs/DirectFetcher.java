package dev.ferry.upstreams.vcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.goproxy.ProxyRequestException;
import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.semver.Version;
import dev.ferry.upstreams.goproxy.GoProxyClient;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.ContentRejected;
import dev.ferry.upstreams.pool.FetchResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * {@code direct}: a module version fetched from its origin by the go command, in a sandbox of its own.
 *
 * <p>Order of checks, each before anything costly: the path must parse as a GOPROXY request with a canonical
 * version ({@link ProxyRequest}); the module's host (its path's first element) must be allowed by
 * {@link DirectSettings#hosts()}, or the answer is 404 and no process starts; a slot among
 * {@link DirectSettings#concurrency()} running commands must come free within the timeout. Then one go command
 * runs with a clean environment ({@link DirectCommand}), stdin empty, output to files in the sandbox, killed with
 * its children at the timeout; the sandbox is deleted when it ends.
 *
 * <p>One {@code go mod download} yields a version's .info, .mod and .zip together, and the go command asks for
 * them one after another, so the three are held for {@link #HOLD} (the .zip as a file outside the deleted
 * sandbox) and the next two requests do not run git again. Concurrent requests for one version share one run.
 *
 * <p>What the handler gets is exactly what an HTTP upstream would have sent, named "direct": the mirror checks,
 * verifies (pins, for private modules) and stores it as any upstream's answer. Errors are the go command's own
 * words with every configured secret and any URL user-info removed; "not found"-like errors are 404, so the
 * mirror's negative cache and the {@code ,} rule work as with a proxy.
 */
public final class DirectFetcher implements GoProxyClient, AutoCloseable {
    public static final String NAME = "direct";
    /** How long a download's other two files wait for their request. */
    static final Duration HOLD = Duration.ofMinutes(2);
    /** Most downloads held at once; the oldest is dropped first. */
    static final int MAX_HELD = 64;

    private static final int MAX_OUTPUT = 1 << 20;
    private static final int MAX_ERROR = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger(DirectFetcher.class.getName());
    private static final Pattern URL_USERINFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/@\\s]+@");
    private static final Pattern NOT_FOUND = Pattern.compile(
            "(?i)unknown revision|invalid version|no matching versions|not found|does not exist|no such file"
                    + "|invalid pseudo-version|malformed module path|has non-.* module path|repository .* not found"
                    + "|does not contain package|no tagged versions");
    private static final Pattern NOT_NOT_FOUND = Pattern.compile(
            "(?i)terminal prompts disabled|authentication failed|could not read username|permission denied"
                    + "|connection refused|no such host|i/o timeout|timed out|tls|certificate|dial tcp"
                    + "|unable to access|http 5\\d\\d|50[0-9] ");

    private static final Pattern AUTH = Pattern.compile(
            "(?i)terminal prompts disabled|authentication failed|could not read username|HTTP Basic: Access denied");

    private final DirectSettings settings;
    private final DirectEvents events;
    private final Clock clock;
    private final Semaphore slots;
    private final Path held;
    private final Map<String, CompletableFuture<Download>> running = new ConcurrentHashMap<>();
    private final Map<String, Download> downloads = new LinkedHashMap<>();

    public DirectFetcher(DirectSettings settings, DirectEvents events, Clock clock) throws IOException {
        this.settings = settings;
        this.events = events;
        this.clock = clock;
        this.slots = new Semaphore(settings.concurrency(), true);
        // Sandboxes left by a crash are ferry's own files from an earlier run: nothing in them is used again.
        Sandbox.delete(settings.sandboxes());
        this.held = settings.sandboxes().resolve("held");
        Files.createDirectories(held);
    }

    public DirectSettings settings() {
        return settings;
    }

    /** Fetches waiting for a free slot (tests). */
    int waiting() {
        return slots.getQueueLength();
    }

    @Override
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        ProxyRequest request;
        try {
            request = ProxyRequest.parse("/" + path);
        } catch (ProxyRequestException e) {
            return new FetchResult.NotFound<>(404, e.getMessage());
        }
        ModulePath module = request.module();
        String host = module.value().split("/", 2)[0];
        if (!settings.hosts().matches(host)) {
            events.refused(host);
            return new FetchResult.NotFound<>(
                    404,
                    "not found: " + module + ": ferry does not fetch modules of " + host + " from version control"
                            + " (allowed hosts: " + (settings.hosts().isEmpty() ? "none" : settings.hosts()) + ")");
        }
        if (settings.goCommand() == null) {
            return failed("no go command was found to fetch " + module + " from its origin: install Debian's"
                    + " golang-go (and git) on the server or set go.direct.goCommand");
        }
        try {
            return switch (request) {
                case ProxyRequest.List l -> versions(module, handler);
                case ProxyRequest.Latest l -> latest(module, handler);
                case ProxyRequest.Info i -> file(module, i.version(), 0, handler);
                case ProxyRequest.Mod m -> file(module, m.version(), 1, handler);
                case ProxyRequest.Zip z -> file(module, z.version(), 2, handler);
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted");
        }
    }

    private <T> FetchResult<T> versions(ModulePath module, BodyHandler<T> handler) throws InterruptedException {
        Run run = run(module, box -> DirectCommand.versions(settings, box, module), false);
        if (run.failed()) {
            return run.problem();
        }
        StringBuilder list = new StringBuilder();
        for (JsonNode v : run.json.path("Versions")) {
            String text = v.asText();
            if (Version.isValid(text) && Version.parse(text).isCanonical()) {
                list.append(text).append('\n');
            }
        }
        return hand(handler, list.toString().getBytes(StandardCharsets.UTF_8));
    }

    private <T> FetchResult<T> latest(ModulePath module, BodyHandler<T> handler) throws InterruptedException {
        Run run = run(module, box -> DirectCommand.latest(settings, box, module), false);
        if (run.failed()) {
            return run.problem();
        }
        Map<String, String> info = new LinkedHashMap<>();
        info.put("Version", run.json.path("Version").asText());
        if (run.json.hasNonNull("Time")) {
            info.put("Time", run.json.path("Time").asText());
        }
        try {
            return hand(handler, JSON.writeValueAsBytes(info));
        } catch (IOException e) {
            return failed("cannot render the latest version: " + e.getMessage());
        }
    }

    /** {@code which}: 0 .info, 1 .mod, 2 .zip. */
    private <T> FetchResult<T> file(ModulePath module, Version version, int which, BodyHandler<T> handler)
            throws InterruptedException {
        String key = module.value() + "@" + version;
        Download d = heldDownload(key);
        if (d == null) {
            CompletableFuture<Download> mine = new CompletableFuture<>();
            CompletableFuture<Download> theirs = running.putIfAbsent(key, mine);
            if (theirs == null) {
                try {
                    mine.complete(download(module, version, key));
                } catch (RuntimeException | Error e) {
                    mine.completeExceptionally(e);
                    throw e;
                } finally {
                    running.remove(key, mine);
                }
                d = mine.join();
            } else {
                try {
                    d = theirs.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    return failed("the shared fetch of " + key + " failed: " + e.getCause());
                }
            }
        }
        if (d.problem != null) {
            @SuppressWarnings("unchecked")
            FetchResult<T> problem = (FetchResult<T>) d.problem;
            return problem;
        }
        if (which == 2) {
            try (InputStream in = Files.newInputStream(d.zip)) {
                return new FetchResult.Fetched<>(handler.handle(in, Files.size(d.zip), NAME), NAME);
            } catch (ContentRejected e) {
                return failed("rejected: " + e.getMessage());
            } catch (IOException e) {
                return failed("reading the downloaded zip: " + e.getMessage());
            }
        }
        return hand(handler, which == 0 ? d.info : d.mod);
    }

    private Download download(ModulePath module, Version version, String key) throws InterruptedException {
        Run run = run(module, box -> DirectCommand.download(settings, box, module, version), true);
        if (run.failed()) {
            return new Download(null, null, null, null, run.problem());
        }
        Download d;
        try {
            // the files are taken out before the sandbox goes; only they are kept, for at most HOLD
            Path zip = held.resolve(java.util.UUID.randomUUID() + ".zip");
            byte[] info =
                    Files.readAllBytes(inside(run.box, run.json.path("Info").asText()));
            byte[] mod =
                    Files.readAllBytes(inside(run.box, run.json.path("GoMod").asText()));
            Files.move(inside(run.box, run.json.path("Zip").asText()), zip, StandardCopyOption.REPLACE_EXISTING);
            d = new Download(info, mod, zip, clock.instant().plus(HOLD), null);
        } catch (IOException | RuntimeException e) {
            return new Download(null, null, null, null, failed("the go command's output is incomplete: " + e));
        } finally {
            try {
                Sandbox.delete(run.box);
            } catch (IOException e) {
                LOG.warning("cannot delete sandbox " + run.box + ": " + e.getMessage());
            }
        }
        hold(key, d);
        return d;
    }

    private synchronized Download heldDownload(String key) {
        expire();
        return downloads.get(key);
    }

    private synchronized void hold(String key, Download d) {
        Download old = downloads.put(key, d);
        if (old != null && old.zip != null) {
            deleteQuietly(old.zip);
        }
        expire();
        while (downloads.size() > MAX_HELD) {
            Iterator<Map.Entry<String, Download>> it = downloads.entrySet().iterator();
            deleteQuietly(it.next().getValue().zip);
            it.remove();
        }
    }

    private void expire() {
        Instant now = clock.instant();
        for (Iterator<Map.Entry<String, Download>> it = downloads.entrySet().iterator(); it.hasNext(); ) {
            Download d = it.next().getValue();
            if (!now.isBefore(d.expires)) {
                // a reader with the file open keeps reading it after the unlink
                deleteQuietly(d.zip);
                it.remove();
            }
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warning("cannot delete " + p + ": " + e.getMessage());
        }
    }

    private <T> FetchResult<T> hand(BodyHandler<T> handler, byte[] body) {
        try {
            return new FetchResult.Fetched<>(handler.handle(new ByteArrayInputStream(body), body.length, NAME), NAME);
        } catch (ContentRejected e) {
            return failed("rejected: " + e.getMessage());
        } catch (IOException e) {
            return failed(e.getMessage());
        }
    }

    private static <T> FetchResult<T> failed(String problem) {
        return new FetchResult.Failed<>(List.of(new FetchResult.Attempt(NAME, problem)));
    }

    private interface CommandFor {
        DirectCommand in(Sandbox box);
    }

    /** A finished command: its JSON, or the problem; {@code box} still exists when kept (the caller deletes it). */
    private record Run(JsonNode json, FetchResult<?> problemResult, Path box) {
        boolean failed() {
            return problemResult != null;
        }

        @SuppressWarnings("unchecked")
        <T> FetchResult<T> problem() {
            return (FetchResult<T>) problemResult;
        }
    }

    /** A path the go command printed, accepted only inside the sandbox. */
    private static Path inside(Path box, String printed) throws IOException {
        Path p = Path.of(printed).toAbsolutePath().normalize();
        if (printed.isEmpty() || !p.startsWith(box)) {
            throw new IOException("the go command named a file outside its sandbox: " + printed);
        }
        return p;
    }

    private record Download(byte[] info, byte[] mod, Path zip, Instant expires, FetchResult<?> problem) {}

    /**
     * Runs one command in a new sandbox under the concurrency limit and the timeout. For a download the sandbox
     * is kept for the caller to take the files from; otherwise it is deleted here.
     */
    private Run run(ModulePath module, CommandFor command, boolean keepSandbox) throws InterruptedException {
        Instant start = clock.instant();
        if (!slots.tryAcquire(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
            events.process("busy", Duration.ZERO);
            return problem(failed("every one of go.direct.concurrency=" + settings.concurrency()
                    + " origin fetches stayed busy for " + settings.timeout()));
        }
        Sandbox box = null;
        boolean keep = false;
        try {
            box = Sandbox.create(settings.sandboxes(), DirectCommand.gitconfig(settings), netrc());
            DirectCommand c = command.in(box);
            ProcessBuilder pb = new ProcessBuilder(c.argv())
                    .directory(box.work().toFile())
                    .redirectInput(Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(box.stdout().toFile())
                    .redirectError(box.stderr().toFile());
            pb.environment().clear();
            pb.environment().putAll(c.environment());
            Process p = pb.start();
            boolean done = p.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                events.process("timeout", Duration.between(start, clock.instant()));
                return problem(failed("the go command did not finish within go.direct.timeout=" + settings.timeout()
                        + " (" + c.argv().subList(1, c.argv().size()) + ")"));
            }
            String out = head(box.stdout(), MAX_OUTPUT);
            String err = head(box.stderr(), MAX_ERROR * 4);
            JsonNode json = out.isBlank() ? JSON.createObjectNode() : JSON.readTree(firstObject(out));
            String error = json.path("Error").asText("");
            if (p.exitValue() != 0 || !error.isEmpty()) {
                String why =
                        scrub(error.isEmpty() ? err : error).replace(box.root().toString(), "<sandbox>");
                boolean notFound = NOT_FOUND.matcher(why).find()
                        && !NOT_NOT_FOUND.matcher(why).find();
                LOG.warning("direct " + c.argv().subList(1, c.argv().size()) + " failed: " + why);
                why = brief(module, why);
                if (AUTH.matcher(why).find()) {
                    why = module + ": the git server refused ferry's credentials, or none are configured for its host"
                            + " (go.direct.credentials, go.direct.netrc or go.direct.gitCredentials): "
                            + why.substring(why.indexOf(": ") + 2);
                }
                events.process(notFound ? "not_found" : "failed", Duration.between(start, clock.instant()));
                return problem(
                        notFound
                                ? new FetchResult.NotFound<>(404, "not found: " + why)
                                : failed(why.isEmpty() ? "the go command exited with " + p.exitValue() : why));
            }
            events.process("ok", Duration.between(start, clock.instant()));
            keep = keepSandbox;
            return new Run(json, null, box.root());
        } catch (IOException e) {
            events.process("failed", Duration.between(start, clock.instant()));
            return problem(failed("cannot run the go command: " + scrub(String.valueOf(e.getMessage()))));
        } finally {
            slots.release();
            if (box != null && !keep) {
                try {
                    box.close();
                } catch (IOException e) {
                    LOG.warning("cannot delete sandbox " + box.root() + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * The go command's error cut to what a client needs: the go command shows a proxy's error body only when it is
     * short (about 600 bytes in go 1.19), so git's own "fatal:" line is kept and the go command's wrapping (the
     * sandbox's cache path, the exit status, the FAQ link) is dropped; the full text goes to ferry's log.
     */
    static String brief(ModulePath module, String why) {
        int fatal = why.indexOf("fatal: ");
        if (fatal < 0) {
            return why.length() > 400 ? why.substring(0, 400) + "…" : why;
        }
        String git = why.substring(fatal + "fatal: ".length());
        git = git.split("\\s+Confirm the import path", 2)[0].strip().replaceAll("\\s+", " ");
        return module + ": " + (git.length() > 300 ? git.substring(0, 300) + "…" : git);
    }

    private static Run problem(FetchResult<?> result) {
        return new Run(null, result, null);
    }

    /** {@code go list -json} prints one object; {@code go mod download -json} one per module (one here). */
    private static String firstObject(String out) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return out.substring(0, i + 1);
            }
        }
        return out;
    }

    private static String head(Path file, int limit) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(limit), StandardCharsets.UTF_8);
        }
    }

    /** The sandbox's netrc: the mounted file's entries, then the configured ones. */
    private String netrc() throws IOException {
        StringBuilder n = new StringBuilder();
        if (settings.netrcFile() != null) {
            n.append(Files.readString(settings.netrcFile(), StandardCharsets.UTF_8))
                    .append('\n');
        }
        for (VcsCredential c : settings.credentials()) {
            n.append(c.netrcLine());
        }
        return n.toString();
    }

    /**
     * The go command's or git's words, safe to log and to send: URL user-info and every configured secret
     * replaced, control characters folded, bounded.
     */
    String scrub(String text) {
        String s = URL_USERINFO.matcher(text).replaceAll("$1***@");
        List<String> secrets = new ArrayList<>();
        for (VcsCredential c : settings.credentials()) {
            secrets.add(c.password());
        }
        secrets.addAll(netrcSecrets());
        for (String secret : secrets) {
            if (!secret.isEmpty()) {
                s = s.replace(secret, "***");
            }
        }
        s = s.replaceAll("[\\p{Cntrl}&&[^\n]]+", " ").strip();
        return s.length() > MAX_ERROR ? s.substring(0, MAX_ERROR) + "…" : s;
    }

    /** Passwords in the mounted netrc and git-credentials files, so that they are scrubbed too. */
    private List<String> netrcSecrets() {
        List<String> out = new ArrayList<>();
        try {
            if (settings.netrcFile() != null && Files.isReadable(settings.netrcFile())) {
                String[] words = Files.readString(settings.netrcFile()).split("\\s+");
                for (int i = 0; i + 1 < words.length; i++) {
                    if (words[i].equals("password")) {
                        out.add(words[i + 1]);
                    }
                }
            }
            if (settings.gitCredentialsFile() != null && Files.isReadable(settings.gitCredentialsFile())) {
                for (String line : Files.readAllLines(settings.gitCredentialsFile())) {
                    var m = Pattern.compile("://[^:/@\\s]*:([^@\\s]+)@").matcher(line);
                    if (m.find()) {
                        out.add(java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
                        out.add(m.group(1));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // scrubbing what can be read is all that can be done; the file's own problem shows in the fetch
        }
        return out;
    }

    @Override
    public synchronized void close() {
        for (Download d : downloads.values()) {
            deleteQuietly(d.zip);
        }
        downloads.clear();
    }
}
