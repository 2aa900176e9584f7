package dev.ferry.server.config;

/**
 * Every setting of {@code ferry serve}, declared once: its YAML key, command-line flag, environment variable,
 * embedded default and help. The flags ({@code ServeCommand}), the YAML binding ({@link ConfigFile}) and the help
 * are derived from this table; docs/configuration.md is checked against it by a test. Precedence: flag, then
 * environment, then config file, then the default.
 */
public enum Setting {
    LISTEN(
            "listen",
            "--listen",
            "HOST:PORT",
            "FERRY_LISTEN",
            "0.0.0.0:8080",
            "Address to listen on: HOST:PORT, [IPV6]:PORT or :PORT; port 0 picks a free port."),
    DATA(
            "data",
            "--data",
            "DIR",
            "FERRY_DATA",
            "./ferry-data",
            "Data directory; the content store lives in DIR/store."),
    TLS_CERTIFICATE(
            "tls.certificate",
            "--tls-cert",
            "FILE",
            "FERRY_TLS_CERT",
            "",
            "PEM certificate chain, the server's certificate first: with --tls-key, --listen serves HTTPS (TLS 1.2"
                    + " and 1.3 only). Both files are reloaded when they change (docs/tls.md)."),
    TLS_KEY(
            "tls.key",
            "--tls-key",
            "FILE",
            "FERRY_TLS_KEY",
            "",
            "PEM private key of that certificate: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted."),
    TLS_CLIENT_CA(
            "tls.clientCa",
            "--tls-client-ca",
            "FILE",
            "FERRY_TLS_CLIENT_CA",
            "",
            "PEM bundle of the CAs that sign client certificates (mTLS), for the route families that require one."),
    TLS_CLIENT_AUTH_ADMIN(
            "tls.clientAuth.admin",
            "--tls-client-auth-admin",
            "MODE",
            "FERRY_TLS_CLIENT_AUTH_ADMIN",
            "none",
            "none, or required: /admin/api/ and /metrics answer 403 without a client certificate from --tls-client-ca."),
    TLS_CLIENT_AUTH_PULLS(
            "tls.clientAuth.pulls",
            "--tls-client-auth-pulls",
            "MODE",
            "FERRY_TLS_CLIENT_AUTH_PULLS",
            "none",
            "none, or required: Go modules, /sumdb/ and /v2/ answer 403 without a client certificate from"
                    + " --tls-client-ca (/health never asks)."),
    TLS_REDIRECT_LISTEN(
            "tls.redirectListen",
            "--tls-redirect-listen",
            "HOST:PORT",
            "FERRY_TLS_REDIRECT_LISTEN",
            "",
            "Also listen for plain HTTP here and answer every request with a 308 redirect to the same path over"
                    + " HTTPS."),
    HEAD_TIMEOUT(
            "server.headTimeout",
            "--head-timeout",
            "DURATION",
            "FERRY_HEAD_TIMEOUT",
            "60s",
            "A request head (request line and headers) must arrive whole within this long from when the connection"
                    + " starts waiting for it (accept, or the end of the previous request): else 408 and the"
                    + " connection is closed (closed quietly when nothing was sent, as for an idle kept-alive"
                    + " connection); 0 turns the deadline off."),
    MAX_CONNECTIONS_PER_CLIENT(
            "server.maxConnectionsPerClient",
            "--max-connections-per-client",
            "N",
            "FERRY_MAX_CONNECTIONS_PER_CLIENT",
            "512",
            "Connections one client address may hold at once; the next gets 429 and is closed (0: no cap). Raise"
                    + " it when many clients share one address (NAT, a reverse proxy in front of ferry)."),
    TRUSTED_PROXIES(
            Form.REPEATED_COMMAS,
            "server.trustedProxies",
            "--trusted-proxies",
            "ADDRESS[/BITS]",
            "FERRY_TRUSTED_PROXIES",
            "",
            null,
            "Reverse proxies or load balancers in front of ferry (IP addresses or CIDR blocks, repeatable or"
                    + " comma-separated): for a connection from one of them the client's address is taken from"
                    + " X-Forwarded-For (the last entry that is not itself a trusted proxy) for the access log, the"
                    + " audit log and the miss rate limit. Anyone else's X-Forwarded-For is ignored."),
    PUBLIC_URL(
            "server.publicUrl",
            "--public-url",
            "URL",
            "FERRY_PUBLIC_URL",
            "",
            "The URL clients reach ferry at (http or https, no path), e.g. https://ferry.corp.example: the"
                    + " registry's token realm is built from it. Without it only a Host header naming the listen"
                    + " address or a --host-name is used, else the listen address."),
    HOST_NAMES(
            Form.REPEATED_COMMAS,
            "server.hostNames",
            "--host-name",
            "HOST[:PORT]",
            "FERRY_HOST_NAMES",
            "",
            null,
            "A name clients reach ferry by (repeatable; without a port any port): a Host header naming it is used"
                    + " as the client wrote it when there is no --public-url. The environment separates them with"
                    + " commas, the config file takes a list."),
    GO_UPSTREAM(
            "go.upstream",
            "--go-upstream",
            "LIST",
            "FERRY_GO_UPSTREAM",
            "https://proxy.golang.org|https://goproxy.io",
            "Upstream Go module proxies in GOPROXY syntax: 'https://a,https://b|https://c' (',' falls through on"
                    + " 404/410 only, '|' on any error), optionally ending in 'direct' (the module's origin, fetched"
                    + " with the go command for go.direct.hosts only), or 'off'. Per-upstream weight, credentials and"
                    + " timeouts go in the YAML 'upstreams' list (docs/upstreams.md)."),
    GO_SUMDB(
            "go.sumdb",
            "--sumdb",
            "GOSUMDB",
            "FERRY_SUMDB",
            "sum.golang.org",
            "Checksum database every module version is verified against before it is stored, in GOSUMDB form:"
                    + " 'sum.golang.org', 'name+hash+key', 'name+hash+key URL', or 'off'. Without a URL it is reached"
                    + " through the upstream proxies' /sumdb/NAME/ and then https://NAME; ferry serves it to clients"
                    + " at /sumdb/NAME/."),
    GO_PRIVATE(
            "go.private",
            "--private",
            "GLOBS",
            "FERRY_PRIVATE",
            "",
            "Module path globs, comma-separated as in GOPRIVATE/GONOSUMDB (e.g. '*.corp.example,github.com/acme'),"
                    + " never looked up in the checksum database; ferry pins their hashes on first fetch and refuses"
                    + " different content later."),
    GO_PRIVATE_UPSTREAM(
            "go.privateUpstream",
            "--private-upstream",
            "LIST",
            "FERRY_PRIVATE_UPSTREAM",
            "direct",
            "Where go.private modules are fetched from, in GOPROXY syntax: 'direct' (their git servers, with the go"
                    + " command), a site proxy that has them, or both ('https://athens.corp,direct'). Never"
                    + " go.upstream: private module paths do not reach public proxies. Per-pattern lists go in the"
                    + " YAML go.privateRoutes."),
    GO_DIRECT_HOSTS(
            Form.REPEATED_COMMAS,
            "go.direct.hosts",
            "--direct-host",
            "HOST",
            "FERRY_DIRECT_HOSTS",
            "",
            "the hosts named by go.private and go.privateRoutes",
            "A host whose modules 'direct' may fetch from version control (repeatable; '*' and '?' globs,"
                    + " '*.corp.example'). A module of any other host is answered 404 and no command runs."),
    GO_DIRECT_INSECURE(
            Form.REPEATED_COMMAS,
            "go.direct.insecure",
            "--direct-insecure",
            "HOST",
            "FERRY_DIRECT_INSECURE",
            "",
            null,
            "A host 'direct' may reach over plain http, as GOINSECURE (repeatable; globs). None by default."),
    GO_DIRECT_CONCURRENCY(
            "go.direct.concurrency",
            "--direct-concurrency",
            "N",
            "FERRY_DIRECT_CONCURRENCY",
            "2",
            "How many go commands 'direct' runs at once; more fetches wait for a free one up to go.direct.timeout."),
    GO_DIRECT_TIMEOUT(
            "go.direct.timeout",
            "--direct-timeout",
            "DURATION",
            "FERRY_DIRECT_TIMEOUT",
            "5m",
            "How long one go command of 'direct' may run before it and its git processes are killed."),
    GO_DIRECT_GO_COMMAND(
            "go.direct.goCommand",
            "--direct-go-command",
            "PATH",
            "FERRY_DIRECT_GO_COMMAND",
            "go",
            "The go command 'direct' runs (a name looked up on PATH at start, or a path); git must be on PATH too."),
    GO_DIRECT_NETRC(
            "go.direct.netrc",
            "--direct-netrc",
            "FILE",
            "FERRY_DIRECT_NETRC",
            "",
            "A netrc file (a mounted secret) whose entries 'direct' uses for its hosts, besides the YAML"
                    + " go.direct.credentials."),
    GO_DIRECT_GIT_CREDENTIALS(
            "go.direct.gitCredentials",
            "--direct-git-credentials",
            "FILE",
            "FERRY_DIRECT_GIT_CREDENTIALS",
            "",
            "A git-credentials file (git's 'store' format, https://USER:TOKEN@HOST per line) git uses for 'direct'."),
    GO_DIRECT_SSH_KEY(
            "go.direct.sshKey",
            "--direct-ssh-key",
            "FILE",
            "FERRY_DIRECT_SSH_KEY",
            "",
            "A private key for ssh:// origins; without one 'direct' uses https only (and http for"
                    + " go.direct.insecure hosts)."),
    GO_DIRECT_SSH_KNOWN_HOSTS(
            "go.direct.sshKnownHosts",
            "--direct-ssh-known-hosts",
            "FILE",
            "FERRY_DIRECT_SSH_KNOWN_HOSTS",
            "",
            "The known_hosts file ssh checks origins' host keys against (strictly) when go.direct.sshKey is set."),
    GO_LIST_TTL(
            "go.listTtl",
            "--go-list-ttl",
            "DURATION",
            "FERRY_GO_LIST_TTL",
            "5m",
            "How long @v/list and @latest answers are served before asking upstream again."),
    GO_NOT_FOUND_TTL(
            "go.notFoundTtl",
            "--go-not-found-ttl",
            "DURATION",
            "FERRY_GO_NOT_FOUND_TTL",
            "1m",
            "How long an upstream 404/410 is remembered."),
    UPSTREAM_CONNECT_TIMEOUT(
            "upstream.connectTimeout",
            "--upstream-connect-timeout",
            "DURATION",
            "FERRY_UPSTREAM_CONNECT_TIMEOUT",
            "10s",
            "Time allowed for TCP and TLS set-up with an upstream."),
    UPSTREAM_FIRST_BYTE_TIMEOUT(
            "upstream.firstByteTimeout",
            "--upstream-first-byte-timeout",
            "DURATION",
            "FERRY_UPSTREAM_FIRST_BYTE_TIMEOUT",
            "30s",
            "Time allowed from sending a request to an upstream until its response headers."),
    UPSTREAM_STALL_TIMEOUT(
            "upstream.stallTimeout",
            "--upstream-stall-timeout",
            "DURATION",
            "FERRY_UPSTREAM_STALL_TIMEOUT",
            "30s",
            "Longest gap allowed between body bytes from an upstream."),
    UPSTREAM_STRATEGY(
            "upstream.strategy",
            "--upstream-strategy",
            "NAME",
            "FERRY_UPSTREAM_STRATEGY",
            "failover",
            "failover: in order, the list's ',' and '|' decide when to move on; weighted: smooth weighted"
                    + " round-robin over healthy upstreams (weights in the YAML upstreams list)."),
    UPSTREAM_BREAKER_FAILURES(
            "upstream.breaker.failures",
            "--upstream-breaker-failures",
            "N",
            "FERRY_UPSTREAM_BREAKER_FAILURES",
            "5",
            "Failures in a row that open an upstream's circuit breaker."),
    UPSTREAM_BREAKER_ERROR_RATE(
            "upstream.breaker.errorRate",
            "--upstream-breaker-error-rate",
            "RATE",
            "FERRY_UPSTREAM_BREAKER_ERROR_RATE",
            "0.5",
            "Share of failed attempts within the window that opens the breaker (0 < RATE <= 1)."),
    UPSTREAM_BREAKER_WINDOW(
            "upstream.breaker.window",
            "--upstream-breaker-window",
            "DURATION",
            "FERRY_UPSTREAM_BREAKER_WINDOW",
            "60s",
            "Sliding window for the error rate."),
    UPSTREAM_BREAKER_MIN_REQUESTS(
            "upstream.breaker.minRequests",
            "--upstream-breaker-min-requests",
            "N",
            "FERRY_UPSTREAM_BREAKER_MIN_REQUESTS",
            "20",
            "Attempts within the window before the error rate counts."),
    UPSTREAM_BREAKER_COOL_DOWN(
            "upstream.breaker.coolDown",
            "--upstream-breaker-cool-down",
            "DURATION",
            "FERRY_UPSTREAM_BREAKER_COOL_DOWN",
            "30s",
            "How long an open breaker skips its upstream before one probe (a Retry-After on 503/429 is honoured)."),
    UPSTREAM_BREAKER_MAX_COOL_DOWN(
            "upstream.breaker.maxCoolDown",
            "--upstream-breaker-max-cool-down",
            "DURATION",
            "FERRY_UPSTREAM_BREAKER_MAX_COOL_DOWN",
            "5m",
            "Cap for the cool-down (doubled after each failed probe) and for Retry-After."),
    UPSTREAM_RETRY_ATTEMPTS(
            "upstream.retry.attempts",
            "--upstream-retry-attempts",
            "N",
            "FERRY_UPSTREAM_RETRY_ATTEMPTS",
            "3",
            "Walks over the upstream list per request when every upstream asked failed (the first included)."),
    UPSTREAM_RETRY_BACKOFF(
            "upstream.retry.backoff",
            "--upstream-retry-backoff",
            "DURATION",
            "FERRY_UPSTREAM_RETRY_BACKOFF",
            "200ms",
            "Backoff before the first retry; doubles each time, with full jitter."),
    UPSTREAM_RETRY_MAX_BACKOFF(
            "upstream.retry.maxBackoff",
            "--upstream-retry-max-backoff",
            "DURATION",
            "FERRY_UPSTREAM_RETRY_MAX_BACKOFF",
            "2s",
            "Longest backoff between retries."),
    UPSTREAM_RETRY_BUDGET(
            "upstream.retry.budget",
            "--upstream-retry-budget",
            "DURATION",
            "FERRY_UPSTREAM_RETRY_BUDGET",
            "60s",
            "No upstream attempt starts after this long since the request began."),
    UPSTREAM_STALL_FLOOR(
            "upstream.stallFloor",
            "--upstream-stall-floor",
            "BYTES",
            "FERRY_UPSTREAM_STALL_FLOOR",
            "1KiB",
            "Bytes per second below which a body is abandoned and continued from the next upstream (KiB, MiB, KB,"
                    + " MB; 0: off)."),
    UPSTREAM_STALL_FLOOR_WINDOW(
            "upstream.stallFloorWindow",
            "--upstream-stall-floor-window",
            "DURATION",
            "FERRY_UPSTREAM_STALL_FLOOR_WINDOW",
            "10s",
            "Time waiting for body bytes over which the floor rate is measured."),
    UPSTREAM_PROBE_INTERVAL(
            "upstream.probeInterval",
            "--upstream-probe-interval",
            "DURATION",
            "FERRY_UPSTREAM_PROBE_INTERVAL",
            "5s",
            "How often upstreams whose breaker cool-down is over are probed."),
    UPSTREAM_HEDGE_AFTER(
            "upstream.hedgeAfter",
            "--upstream-hedge-after",
            "DURATION",
            "FERRY_UPSTREAM_HEDGE_AFTER",
            "1s",
            "Wait this long for an upstream's response headers, then also ask the next upstream the list allows"
                    + " after a '|' (the first answer wins; 0: never)."),
    UPSTREAM_SLOW_FACTOR(
            "upstream.slow.factor",
            "--upstream-slow-factor",
            "N",
            "FERRY_UPSTREAM_SLOW_FACTOR",
            "4",
            "A transfer this many times slower than the pool's fastest other healthy upstream counts as a 'slow'"
                    + " failure, even when it completes."),
    UPSTREAM_SLOW_MINIMUM(
            "upstream.slow.minimum",
            "--upstream-slow-minimum",
            "DURATION",
            "FERRY_UPSTREAM_SLOW_MINIMUM",
            "500ms",
            "No transfer done within this long counts as slow; hedging never waits less for a small body."),
    UPSTREAM_SLOW_WINDOW(
            "upstream.slow.window",
            "--upstream-slow-window",
            "DURATION",
            "FERRY_UPSTREAM_SLOW_WINDOW",
            "2s",
            "Reading time over which a large body's rate is held against the pool's best (under it, the body is"
                    + " continued elsewhere)."),
    UPSTREAM_SMALL_BODY(
            "upstream.smallBody",
            "--upstream-small-body",
            "BYTES",
            "FERRY_UPSTREAM_SMALL_BODY",
            "64KiB",
            "Bodies up to this size are read whole before they are checked, so a hedge races the whole transfer."),
    UPSTREAM_QUARANTINE(
            "upstream.quarantine",
            "--upstream-quarantine",
            "DURATION",
            "FERRY_UPSTREAM_QUARANTINE",
            "6h",
            "How long an upstream that served content failing its checksum or digest is not asked"
                    + " (POST /admin/api/upstreams/NAME/release ends it)."),
    UPSTREAM_HTTPS_PROXY(
            "upstream.httpsProxy",
            "--https-proxy",
            "URL",
            "HTTPS_PROXY",
            "",
            "HTTP proxy that https:// upstreams are reached through (CONNECT), e.g. http://proxy.corp:3128; the"
                    + " environment's https_proxy also counts."),
    UPSTREAM_HTTP_PROXY(
            "upstream.httpProxy",
            "--http-proxy",
            "URL",
            "HTTP_PROXY",
            "",
            "HTTP proxy for http:// upstreams (and http_proxy)."),
    UPSTREAM_NO_PROXY(
            "upstream.noProxy",
            "--no-proxy",
            "LIST",
            "NO_PROXY",
            "",
            "Upstream hosts reached without the proxy, comma-separated as in NO_PROXY: names (matching their"
                    + " subdomains too), IP addresses, CIDR ranges, optional :PORT, or '*' (and no_proxy)."),
    UPSTREAM_CA_BUNDLE(
            "upstream.caBundle",
            "--upstream-ca",
            "FILE",
            "FERRY_UPSTREAM_CA",
            "",
            "PEM bundle of CAs trusted for https:// upstreams in addition to the JDK's (an internal CA, a"
                    + " TLS-inspecting proxy)."),
    UPSTREAM_ALLOW_PRIVATE_REDIRECTS(
            Form.SWITCH,
            "upstream.allowPrivateRedirects",
            "--upstream-allow-private-redirects",
            "",
            "FERRY_UPSTREAM_ALLOW_PRIVATE_REDIRECTS",
            "false",
            null,
            "Follow upstream redirects (and ask token realms) on loopback, link-local and private addresses of"
                    + " another host; off, only the upstream's own host may be such an address."),
    UPSTREAM_REALM_HOSTS(
            Form.REPEATED_COMMAS,
            "upstream.realmHosts",
            "--upstream-realm-host",
            "HOST",
            "FERRY_UPSTREAM_REALM_HOSTS",
            "auth.docker.io",
            null,
            "A host besides each registry's own whose token realm may receive the registry's configured"
                    + " credentials (repeatable; e.g. gitlab.com for registry.gitlab.com). Any other realm is asked"
                    + " anonymously."),
    OCI_REGISTRIES(
            Form.REPEATED_SPACES,
            "oci.registries",
            "--registry",
            "NAME=URL[,URL...]|NAME=off",
            "FERRY_REGISTRY",
            "",
            null,
            "Mirror an upstream registry at /v2/ (repeatable): NAME (e.g. docker.io, ghcr.io) and its endpoints in"
                    + " failover order, any error moving on to the next; NAME=off: no upstream, served from the store"
                    + " only (a disconnected site serving imported bundles). Credentials only in the config file or"
                    + " env FERRY_REGISTRY_<NAME>_USERNAME/_PASSWORD/_TOKEN, never here (docs/registry.md). The"
                    + " environment separates entries with spaces; the config file has a mapping"
                    + " NAME: {endpoints: [URL, ...]}."),
    OCI_DEFAULT_REGISTRY(
            Form.ONE,
            "oci.defaultRegistry",
            "--default-registry",
            "NAME",
            "FERRY_DEFAULT_REGISTRY",
            "",
            "docker.io when configured, else none",
            "Registry for names that neither ?ns=NAME nor a NAME/ path prefix routes (Docker's registry-mirrors)."),
    OCI_HOSTED(
            Form.REPEATED_COMMAS,
            "oci.hosted",
            "--hosted",
            "PREFIX",
            "FERRY_HOSTED",
            "",
            null,
            "Repository-name prefix whose repositories ferry hosts (push and pull; repeatable). The environment"
                    + " separates them with commas; the config file takes a list or a comma-separated string."),
    OCI_TAG_TTL(
            "oci.tagTtl",
            "--registry-tag-ttl",
            "DURATION",
            "FERRY_REGISTRY_TAG_TTL",
            "5m",
            "How long a mirrored tag is served before it is resolved upstream again (stale copies are served when"
                    + " every endpoint is down)."),
    OCI_MAX_UPLOAD_SIZE(
            "oci.maxUploadSize",
            "--max-upload-size",
            "BYTES",
            "FERRY_MAX_UPLOAD_SIZE",
            "10GiB",
            "Largest blob a push may upload (B, KiB, MiB, GiB, KB, MB, GB)."),
    OCI_UPLOAD_EXPIRY(
            "oci.uploadExpiry",
            "--upload-expiry",
            "DURATION",
            "FERRY_UPLOAD_EXPIRY",
            "24h",
            "How long an idle upload session lives."),
    OCI_DELETE(
            Form.SWITCH,
            "oci.delete",
            "--registry-delete",
            "",
            "FERRY_REGISTRY_DELETE",
            "false",
            null,
            "Allow DELETE of manifests, tags and blobs in hosted repositories."),
    OCI_ANONYMOUS_PULL(
            Form.SWITCH,
            "oci.anonymousPull",
            "--hosted-anonymous-pull",
            "",
            "FERRY_HOSTED_ANONYMOUS_PULL",
            "false",
            null,
            "Let clients without credentials pull hosted repositories (mirrored ones never need any)."),
    OCI_USERS(
            "oci.users",
            "--hosted-users",
            "FILE",
            "FERRY_HOSTED_USERS",
            "",
            "htpasswd file with bcrypt entries (htpasswd -B) of who may push to hosted repositories; without it"
                    + " nobody can push."),
    QUOTA(
            Form.ONE,
            "storage.quota",
            "--quota",
            "SIZE",
            "FERRY_QUOTA",
            "0",
            "0 (none)",
            "Storage quota, e.g. 200GiB (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB; 0: none): past it the least"
                    + " recently used unpinned content is evicted, down to 90% of it; prewarmed, pinned, hosted and"
                    + " private content stays."),
    ADMIN_TOKEN(
            Form.ONE,
            "admin.token",
            "--admin-token",
            "TOKEN",
            "FERRY_ADMIN_TOKEN",
            "",
            "generated into DATA/admin-token",
            "Bearer token for /admin/api/ (prefer the environment variable: the command line is visible to other"
                    + " users). When unset, one is generated once into DATA/admin-token (mode 0600)."),
    CLUSTER_PEERS(
            Form.REPEATED_COMMAS,
            "cluster.peers",
            "--peers",
            "URL[,URL...]",
            "FERRY_PEERS",
            "",
            null,
            "Base URLs of the cluster's ferry nodes (repeatable or comma-separated; the same list may be given to"
                    + " every node, cluster.self is skipped): on a miss of immutable content (module files, checksum"
                    + " database lookups and tiles, blobs and manifests by digest) they are asked before the"
                    + " upstream, and what they answer is verified like an upstream's (docs/upstreams.md#peers)."),
    CLUSTER_SELF(
            "cluster.self",
            "--node-url",
            "URL",
            "FERRY_NODE_URL",
            "",
            "This node's own entry in cluster.peers, which it never asks (without it a node that finds itself in"
                    + " the list recognises its own answer and stops asking it). With it the node knows its place on"
                    + " the ring (cluster.peers in the order of HAProxy's server lines): a miss of a file another node"
                    + " owns is fetched by that owner (docs/cluster.md)."),
    CLUSTER_TOKEN(
            "cluster.token",
            "--cluster-token",
            "TOKEN",
            "FERRY_CLUSTER_TOKEN",
            "",
            "The cluster token nodes send each other in the Ferry-Peer header, the same on every node, at least 16"
                    + " characters (prefer the environment variable or cluster.tokenFile: the command line is"
                    + " visible to other users). Without it the node neither asks peers nor answers them."),
    CLUSTER_TOKEN_FILE(
            "cluster.tokenFile",
            "--cluster-token-file",
            "FILE",
            "FERRY_CLUSTER_TOKEN_FILE",
            "",
            "A file holding the cluster token (a mounted secret), read at start; instead of cluster.token."),
    CLUSTER_PEER_TIMEOUT(
            "cluster.peerTimeout",
            "--peer-timeout",
            "DURATION",
            "FERRY_PEER_TIMEOUT",
            "2s",
            "Time allowed for a peer's connection and response headers; a peer slower than that counts as a"
                    + " failure against its breaker and the next peer or the upstream is asked."),
    BUNDLES_TRUST(
            Form.REPEATED_COMMAS,
            "bundles.trust",
            "--trust-key",
            "KEY|FILE",
            "FERRY_TRUST_KEYS",
            "",
            null,
            "A key whose signed bundles 'ferry import' accepts (repeatable): a verifier key name+hash+base64 as"
                    + " 'ferry keys public' prints it at the exporting site, or a file holding one per line"
                    + " (# comments). The environment separates them with commas, the config file takes a list."
                    + " Scheduled exports: yaml bundles.sync (docs/bundles.md)."),
    ACCESS_USERS(
            "access.users",
            "--users",
            "FILE",
            "FERRY_USERS",
            "",
            "htpasswd file with bcrypt entries (htpasswd -B) of users who may pull protected content or use the"
                    + " admin API, by their roles (docs/access.md)."),
    ACCESS_ROLES(
            "access.roles",
            "--roles",
            "FILE",
            "FERRY_ROLES",
            "",
            "Roles file in htgroup format, 'ROLE: name name ...' (roles pull, push, admin, viewer), over the users of"
                    + " access.users and oci.users and the tokens of access.tokens; a name on no line has pull"
                    + " (oci.users: pull and push)."),
    ACCESS_TOKENS(
            "access.tokens",
            "--tokens",
            "FILE",
            "FERRY_TOKENS",
            "",
            "Tokens file, lines NAME:sha256:HEX (HEX: the token's SHA-256, so the file holds no secret); clients"
                    + " send a token as Authorization: Bearer, or as the password of Basic credentials (.netrc)."),
    ACCESS_MODULES(
            "access.modules",
            "--protect-modules",
            "GLOBS",
            "FERRY_PROTECT_MODULES",
            "",
            "Module path globs, comma-separated as in GOPRIVATE ('*' for all), that only callers with the pull role"
                    + " may download (401 with a Basic challenge otherwise)."),
    ACCESS_IMAGES(
            Form.REPEATED_COMMAS,
            "access.images",
            "--protect-images",
            "PREFIX",
            "FERRY_PROTECT_IMAGES",
            "",
            null,
            "Repository prefix that only callers with the pull role may pull (repeatable): REGISTRY[/PATH] of a"
                    + " mirrored registry (ghcr.io/acme), a hosted prefix, or '*' for all. The environment separates"
                    + " them with commas; the config file takes a list."),
    ACCESS_ANONYMOUS_PRIVATE(
            Form.SWITCH,
            "access.anonymousPrivate",
            "--anonymous-private",
            "",
            "FERRY_ANONYMOUS_PRIVATE",
            "false",
            null,
            "Serve go.private modules, and images of registries mirrored with the site's own credentials, to"
                    + " anonymous clients too; by default only callers with the pull role get them."),
    LIMITS_MISS_RATE(
            Form.ONE,
            "limits.missRate",
            "--miss-rate",
            "PER_SECOND",
            "FERRY_MISS_RATE",
            "0",
            "0 (off)",
            "Requests per second that each client address may send to be fetched upstream (cache misses); past the"
                    + " burst, 429 with Retry-After. Answers from the store are never limited. 0: no limit."),
    LIMITS_MISS_BURST(
            "limits.missBurst",
            "--miss-burst",
            "N",
            "FERRY_MISS_BURST",
            "200",
            "Misses a client address may send at once before limits.missRate paces it."),
    BUNDLES_ROOTS(
            Form.REPEATED_COMMAS,
            "bundles.roots",
            "--bundle-root",
            "DIR",
            "FERRY_BUNDLE_ROOTS",
            "",
            "DATA/bundles",
            "A directory the admin API may export bundles to, import them from and write inventories in"
                    + " (repeatable; absolute): a path in a request outside every root is refused, as is one through"
                    + " a symbolic link below a root. Mount points of transfer media go here."),
    BUNDLES_REQUEST_TRUST(
            Form.SWITCH,
            "bundles.allowRequestTrust",
            "--allow-request-trust",
            "",
            "FERRY_ALLOW_REQUEST_TRUST",
            "false",
            null,
            "Let an import request add signing keys of its own ('ferry import --trust'), each one audited; without"
                    + " it, imports trust only --trust-key."),
    LOG_LEVEL("logLevel", "--log-level", "LEVEL", "FERRY_LOG_LEVEL", "info", "error, warn, info, debug or trace."),
    LOG_FORMAT(
            "logFormat",
            "--log-format",
            "FORMAT",
            "FERRY_LOG_FORMAT",
            "text",
            "text, or json: one JSON object per line for the server and access logs (docs/configuration.md)."),
    ACCESS_LOG(
            Form.SWITCH,
            "accessLog",
            "--access-log",
            "",
            "FERRY_ACCESS_LOG",
            "true",
            null,
            "One line per request on stderr (logger ferry.access); --no-access-log turns it off.");

    /** The environment variable naming a config file (the flag is --config). */
    public static final String CONFIG_ENV = "FERRY_CONFIG";

    /** How a setting is given on the command line. */
    public enum Form {
        /** One value; the last one given counts. */
        ONE(null),
        /** A flag that repeats; the values are joined with spaces, as the environment writes them. */
        REPEATED_SPACES(" "),
        /** A flag that repeats; the values are joined with commas, as the environment writes them. */
        REPEATED_COMMAS(","),
        /** On or off: {@code --x} or {@code --no-x}, true or false elsewhere. */
        SWITCH(null);

        private final String separator;

        Form(String separator) {
            this.separator = separator;
        }

        /** What joins repeated values into one text as the environment would give it; null when not repeatable. */
        public String separator() {
            return separator;
        }
    }

    private final Form form;
    private final String key;
    private final String flag;
    private final String label;
    private final String env;
    private final String defaultValue;
    private final String shownDefault;
    private final String description;

    Setting(String key, String flag, String label, String env, String defaultValue, String description) {
        this(Form.ONE, key, flag, label, env, defaultValue, null, description);
    }

    Setting(
            Form form,
            String key,
            String flag,
            String label,
            String env,
            String defaultValue,
            String shownDefault,
            String description) {
        this.form = form;
        this.key = key;
        this.flag = flag;
        this.label = label;
        this.env = env;
        this.defaultValue = defaultValue;
        this.shownDefault = shownDefault != null ? shownDefault : defaultValue.isEmpty() ? "none" : defaultValue;
        this.description = description;
    }

    public Form form() {
        return form;
    }

    /** The YAML key, dotted where it sits in a group ({@code upstream.breaker.failures}). */
    public String key() {
        return key;
    }

    public String flag() {
        return flag;
    }

    /** What the flag's value looks like in help ({@code HOST:PORT}); empty for a switch. */
    public String label() {
        return label;
    }

    public String env() {
        return env;
    }

    /** The value used when no flag, variable or file gives one. */
    public String defaultValue() {
        return defaultValue;
    }

    /** The default as help and docs/configuration.md state it ("none" for an empty default). */
    public String shownDefault() {
        return shownDefault;
    }

    /** What the setting does, as {@code ferry serve --help} says it (without the env, key and default). */
    public String description() {
        return description;
    }

    public static Setting byKey(String key) {
        for (Setting s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }
}
