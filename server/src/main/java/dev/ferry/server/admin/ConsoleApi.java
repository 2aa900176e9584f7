package dev.ferry.server.admin;

import dev.ferry.mirror.sumdb.PrivatePatterns;
import dev.ferry.server.admin.api.AuditPage;
import dev.ferry.server.admin.api.EffectiveSettings;
import dev.ferry.server.admin.api.ManifestView;
import dev.ferry.server.admin.api.ModulePage;
import dev.ferry.server.admin.api.PinSetPage;
import dev.ferry.server.admin.api.PinSets;
import dev.ferry.server.admin.api.RepositoryPage;
import dev.ferry.server.admin.api.SigningKeyInfo;
import dev.ferry.server.admin.api.TagPage;
import dev.ferry.server.admin.api.VersionPage;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.Setting;
import dev.ferry.storage.ContentStore;
import dev.ferry.storage.StoredObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the web console reads beyond the CLI's, each list a page at a time: a page starts where the previous one
 * ended (a seek, not a walk from the start), so a store of 100,000 module versions answers as fast as a small one.
 * Go modules are {@link StoredModules}', images {@link StoredImages}', the audit log {@link AuditReader}'s; pin
 * sets, the effective settings and the signing key's verifier are here. Only reads; sizes and pins are looked up
 * without counting as uses ({@link ContentStore#peek}), so browsing does not keep content from eviction.
 */
public final class ConsoleApi {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;
    /** Keys visited at most for one page of a glob search before it answers with what it found and a cursor. */
    static final int SCAN_BUDGET = 200_000;

    private static final String HOSTED = StoredImages.HOSTED;

    private final ContentStore store;
    private final List<String> registries;
    private final boolean hosted;
    private final StoredModules modules;
    private final StoredImages images;
    private final AuditReader audit;
    private SigningKey signingKey;
    private Map<Setting, ConfigLoader.Sourced> settings = Map.of();

    public ConsoleApi(
            ContentStore store,
            PrivatePatterns privates,
            Duration tagTtl,
            List<String> registries,
            boolean hosted,
            Path auditFile,
            Clock clock) {
        this.store = store;
        this.registries = List.copyOf(registries);
        this.hosted = hosted;
        this.modules = new StoredModules(store, privates);
        this.images = new StoredImages(store, tagTtl, registries, hosted, clock);
        this.audit = new AuditReader(auditFile);
    }

    static int limit(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(text.strip());
            if (n < 1 || n > MAX_LIMIT) {
                throw ApiException.badRequest("limit must be 1 to " + MAX_LIMIT + ": " + text);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a number: " + text);
        }
    }

    public ModulePage modules(String query, String after, String limit) {
        return modules.modules(query, after, limit);
    }

    public VersionPage versions(String module, String after, String limit) {
        return modules.versions(module, after, limit);
    }

    public RepositoryPage repositories(String query, String after, String limit) {
        return images.repositories(query, after, limit);
    }

    public TagPage tags(String registry, String repository, String query, String after, String limit) {
        return images.tags(registry, repository, query, after, limit);
    }

    public ManifestView manifest(String registry, String repository, String digest) {
        return images.manifest(registry, repository, digest);
    }

    public AuditPage audit(
            String since, String until, String action, String result, String who, String after, String limit) {
        return audit.audit(since, until, action, result, who, after, limit);
    }

    /**
     * Pin sets whose name starts with {@code prefix}, a page at a time with their object counts and bytes: the
     * whole list ({@code GET /admin/api/pins}) reads every pinned object's record, too much for a page when prewarm
     * jobs have pinned thousands of module versions.
     */
    public PinSetPage pinSets(String prefix, String after, String limitText) {
        int limit = limit(limitText);
        String p = prefix == null ? "" : prefix.strip();
        List<String> names = new ArrayList<>();
        String[] next = {null};
        store.scanPinSets(p, name -> {
            if (after != null && !after.isEmpty() && name.compareTo(after) <= 0) {
                return true;
            }
            if (names.size() == limit) {
                next[0] = names.get(names.size() - 1);
                return false;
            }
            names.add(name);
            return true;
        });
        List<PinSets.PinSet> out = new ArrayList<>();
        for (String name : names) {
            long[] n = new long[2];
            store.scanPinSet(name, digest -> {
                n[0]++;
                n[1] += store.peek(digest).map(StoredObject::size).orElse(0L);
                return true;
            });
            out.add(new PinSets.PinSet(name, n[0], n[1]));
        }
        return new PinSetPage(p, out, next[0]);
    }

    /** With each setting's value and where it came from, as ferry was started with. */
    public ConsoleApi withSettings(Map<Setting, ConfigLoader.Sourced> settings) {
        this.settings = Map.copyOf(settings);
        return this;
    }

    /** Userinfo in a URL ({@code https://user:secret@host}): what a value may carry that is not the console's. */
    private static final Pattern USERINFO = Pattern.compile("(://)[^/@\\s]+@");

    /**
     * The effective settings with their sources, secrets redacted: the admin token's value is never shown (only
     * whether and where it is set), nor the credentials in a URL. Registry and hosted-user credentials never were
     * settings (the environment and htpasswd files hold them).
     */
    public EffectiveSettings settings() {
        List<EffectiveSettings.Value> out = new ArrayList<>();
        for (Setting s : Setting.values()) {
            ConfigLoader.Sourced v = settings.get(s);
            if (v == null) {
                continue;
            }
            String value = v.value();
            boolean secret = s == Setting.ADMIN_TOKEN;
            if (secret) {
                value = value == null || value.isBlank() ? null : "(set: hidden)";
            } else if (value != null) {
                value = USERINFO.matcher(value).replaceAll("$1***@");
            }
            out.add(new EffectiveSettings.Value(s.key(), value, v.source(), s.flag(), s.env(), secret));
        }
        return new EffectiveSettings(!settings.isEmpty(), out);
    }

    /** With the site's bundle signing key, whose verifier the transfer page shows. */
    public ConsoleApi withSigningKey(SigningKey key) {
        this.signingKey = key;
        return this;
    }

    public SigningKeyInfo signingKey() {
        if (signingKey == null) {
            return new SigningKeyInfo(null, null);
        }
        return new SigningKeyInfo(
                signingKey.get().map(s -> s.verifier().encoded()).orElse(null),
                signingKey.file().toString());
    }

    /** Registries the console lists (configured names, and "hosted" when there are hosted repositories). */
    public List<String> registries() {
        List<String> names = new ArrayList<>(new LinkedHashSet<>(registries));
        if (hosted) {
            names.add(HOSTED);
        }
        return names;
    }
}
