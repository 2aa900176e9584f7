package dev.ferry.protocols.oci;

import java.util.regex.Matcher;

/**
 * One request of the distribution API (distribution-spec v1.1, "API"), parsed from the raw (still
 * percent-encoded) URL path: the resource it names, with the repository name, reference, digest or upload
 * session checked against their grammars. The query string is {@link RegistryQuery}; each resource reads the
 * parameters it has ({@link Tags#page}, {@link Catalog#page}, {@link BlobUpload#digest}, {@link BlobUpload#mount},
 * {@link Referrers#artifactType}), so that a server can check the method and where the name goes before it looks
 * at them. Every refusal is an {@link OciFormatException} carrying the spec's error code; see {@link #parse}.
 */
public sealed interface RegistryRequest {
    /** Largest {@code n} a tags or catalog page may ask for. */
    int MAX_PAGE = 10_000;

    /** The methods the API has for this resource, as an {@code Allow} header lists them. */
    String allow();

    /** The path that names this request: {@code parse(r.path())} is {@code r}. */
    String path();

    /** {@code /v2/}: the API version check. */
    record Base() implements RegistryRequest {
        @Override
        public String allow() {
            return "GET, HEAD";
        }

        @Override
        public String path() {
            return "/v2/";
        }
    }

    /** {@code /v2/_catalog}: the repositories, a page at a time. */
    record Catalog() implements RegistryRequest {
        @Override
        public String allow() {
            return "GET, HEAD";
        }

        @Override
        public String path() {
            return "/v2/_catalog";
        }

        /** {@code ?n=&last=}: as for {@link Tags#page}, except that {@code last} is a repository name, any text. */
        public Page page(RegistryQuery query) {
            return new Page(pageSize(query), query.first("last"));
        }
    }

    /** A request about one repository: {@code /v2/NAME/...}. */
    sealed interface InRepository extends RegistryRequest {
        RepositoryName name();
    }

    /** {@code /v2/NAME/manifests/REFERENCE}. */
    record Manifest(RepositoryName name, Reference reference) implements InRepository {
        @Override
        public String allow() {
            return "GET, HEAD, PUT, DELETE";
        }

        @Override
        public String path() {
            return "/v2/" + name + "/manifests/" + reference;
        }
    }

    /** {@code /v2/NAME/blobs/DIGEST}. */
    record Blob(RepositoryName name, Digest digest) implements InRepository {
        @Override
        public String allow() {
            return "GET, HEAD, DELETE";
        }

        @Override
        public String path() {
            return "/v2/" + name + "/blobs/" + digest;
        }
    }

    /**
     * {@code /v2/NAME/blobs/uploads/} (POST starts an upload: {@code session} is null) or
     * {@code /v2/NAME/blobs/uploads/SESSION} (status, chunks, finishing or cancelling an upload).
     */
    record BlobUpload(RepositoryName name, String session) implements InRepository {
        @Override
        public String allow() {
            return session == null ? "POST" : "GET, PATCH, PUT, DELETE";
        }

        @Override
        public String path() {
            return "/v2/" + name + "/blobs/uploads/" + (session == null ? "" : session);
        }

        /**
         * {@code ?digest=}, or null when absent. On every upload request a digest that is given must parse
         * (DIGEST_INVALID), even where the operation does not use it.
         */
        public Digest digest(RegistryQuery query) {
            String text = query.first("digest");
            return text == null ? null : Digest.parse(text);
        }

        /** The digest that finishes an upload (PUT): {@code ?digest=} is required (DIGEST_INVALID without it). */
        public Digest finishingDigest(RegistryQuery query) {
            Digest digest = digest(query);
            if (digest == null) {
                throw new OciFormatException(OciErrorCode.DIGEST_INVALID, "finishing an upload needs ?digest=");
            }
            return digest;
        }

        /**
         * {@code ?mount=DIGEST&from=NAME} of a POST, or null when there is no {@code mount}. {@code mount} must be
         * a digest (DIGEST_INVALID); {@code from}, when given, a repository name (NAME_INVALID); {@code from} without
         * {@code mount} is ignored, and a mount without {@code from} has a null {@link Mount#from()}.
         */
        public Mount mount(RegistryQuery query) {
            String mount = query.first("mount");
            if (mount == null) {
                return null;
            }
            Digest digest = Digest.parse(mount);
            String from = query.first("from");
            return new Mount(digest, from == null ? null : RepositoryName.parse(from));
        }
    }

    /** {@code /v2/NAME/tags/list}. */
    record Tags(RepositoryName name) implements InRepository {
        @Override
        public String allow() {
            return "GET, HEAD";
        }

        @Override
        public String path() {
            return "/v2/" + name + "/tags/list";
        }

        /**
         * {@code ?n=&last=}. {@code n} absent means every tag; else a decimal integer (an optional sign, as
         * Integer.parseInt reads it) from 0 to {@link RegistryRequest#MAX_PAGE}, or PAGINATION_NUMBER_INVALID.
         * {@code last}, when given, is a tag (TAG_INVALID): the page starts after it.
         */
        public Page page(RegistryQuery query) {
            int n = pageSize(query);
            String last = query.first("last");
            if (last != null) {
                Tag.parse(last);
            }
            return new Page(n, last);
        }
    }

    /** {@code /v2/NAME/referrers/DIGEST}: the manifests whose subject is DIGEST. */
    record Referrers(RepositoryName name, Digest subject) implements InRepository {
        @Override
        public String allow() {
            return "GET, HEAD";
        }

        @Override
        public String path() {
            return "/v2/" + name + "/referrers/" + subject;
        }

        /** {@code ?artifactType=}, the filter to apply, or null; any text (a type no manifest has matches none). */
        public String artifactType(RegistryQuery query) {
            return query.first("artifactType");
        }
    }

    /** A page of tags or repositories: at most {@code n} (-1: all) after {@code last} (null: from the start). */
    record Page(int n, String last) {}

    /** A cross-repository blob mount: the blob and the repository it is mounted from (null when not named). */
    record Mount(Digest digest, RepositoryName from) {}

    /**
     * Parses a raw request path (without the query string). The path is not percent-decoded: no character the
     * grammars below allow needs escaping, so a '%' is refused by the grammar of the part it is in
     * ({@code a%2fb} is NAME_INVALID, never the name {@code a/b}; {@code %2e%2e} is never "..").
     * <ul>
     * <li>{@code /v2} and {@code /v2/} are {@link Base}; {@code /v2/_catalog}, exactly, is {@link Catalog}.</li>
     * <li>Anything else must be {@code /v2/NAME/} followed by one of the suffixes below, which ends the path; else
     *     NAME_UNKNOWN ("not a registry API path": {@code /v2/a/tags/list/}, {@code /v2/a/b/}, {@code /v2/_catalog/}).
     *     NAME is everything before the <em>last</em> suffix, so a name component may itself be
     *     {@code manifests}, {@code blobs}, {@code tags} or {@code referrers}:
     *     {@code /v2/a/manifests/b/manifests/latest} is manifest "latest" of {@code a/manifests/b}. (A line
     *     terminator in NAME keeps the path from matching at all: NAME_UNKNOWN.)</li>
     * <li>NAME is checked first, by {@link RepositoryName#parse} (NAME_INVALID): lower-case components, no empty,
     *     "." or ".." component, no leading or trailing '/', at most 255 characters.</li>
     * <li>{@code manifests/REFERENCE}: {@link Manifest}; REFERENCE by {@link Reference#parse}, a digest when it
     *     contains ':' (DIGEST_INVALID) else a tag (TAG_INVALID, also when empty).</li>
     * <li>{@code blobs/uploads} with or without a trailing '/': {@link BlobUpload} without a session. Any further
     *     text (after an optional '/') is the session id, {@code [A-Za-z0-9_=-]{1,128}}; anything else is
     *     BLOB_UPLOAD_UNKNOWN: no session can have such an id.</li>
     * <li>{@code blobs/DIGEST}: {@link Blob}; DIGEST by {@link Digest#parse} (DIGEST_INVALID, also when empty).</li>
     * <li>{@code tags/list}: {@link Tags}.</li>
     * <li>{@code referrers/DIGEST}: {@link Referrers}; DIGEST as for blobs.</li>
     * </ul>
     */
    static RegistryRequest parse(String rawPath) {
        switch (rawPath) {
            case "/v2", "/v2/" -> {
                return new Base();
            }
            case "/v2/_catalog" -> {
                return new Catalog();
            }
            default -> {
                return inRepository(rawPath);
            }
        }
    }

    private static InRepository inRepository(String rawPath) {
        Matcher m = RegistryPaths.API_PATH.matcher(rawPath);
        if (!m.matches()) {
            throw new OciFormatException(
                    OciErrorCode.NAME_UNKNOWN,
                    "not a registry API path: expected /v2/NAME/"
                            + "manifests/REFERENCE, blobs/DIGEST, blobs/uploads/, tags/list or referrers/DIGEST");
        }
        RepositoryName name = RepositoryName.parse(m.group(1));
        if (m.group(2) != null) {
            return new Manifest(name, Reference.parse(m.group(2)));
        }
        if (m.group(3) != null) {
            String session = m.group(3).isEmpty() ? null : m.group(3);
            if (session != null && !RegistryPaths.SESSION.matcher(session).matches()) {
                throw new OciFormatException(OciErrorCode.BLOB_UPLOAD_UNKNOWN, "no upload session with that id");
            }
            return new BlobUpload(name, session);
        }
        if (m.group(4) != null) {
            return new Blob(name, Digest.parse(m.group(4)));
        }
        if (m.group(5) != null) {
            return new Tags(name);
        }
        return new Referrers(name, Digest.parse(m.group(6)));
    }

    /** {@code n}: absent means every entry (-1); else 0..{@link #MAX_PAGE}. */
    private static int pageSize(RegistryQuery query) {
        String text = query.first("n");
        if (text == null) {
            return -1;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 0 && n <= MAX_PAGE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the refusal
        }
        throw new OciFormatException(
                OciErrorCode.PAGINATION_NUMBER_INVALID, "n must be a whole number from 0 to " + MAX_PAGE);
    }
}
