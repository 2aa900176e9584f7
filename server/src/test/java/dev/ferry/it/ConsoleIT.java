package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.registryauth.SignInThrottle;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser: Debian's chromium, headless, driven by Selenium through chromium-driver,
 * against the packaged ferry with the Go fixture corpus and a docker-registry upstream holding the OCI fixture.
 * An operator's round: a wrong token refused, sign in, the overview's store and upstreams, a prewarm of the
 * fixture app and of a multi-arch image watched to the end, a module and its version found, the image browsed
 * down to a layer, a bundle exported and seen in the history, those actions found in the audit view, the
 * configuration with its sources and the token hidden, sign out. Then users of pull access control: a viewer signs
 * in through the page, sees the pages without their change controls and is refused a change even with its CSRF
 * token; a user with the admin role signs in and starts a prewarm, audited under its name; a pull-only user, a wrong
 * password and a wrong token get one and the same refusal; repeated failures from one address are refused with 429.
 * Every page is checked with axe-core (no serious or critical violation) and photographed into
 * target/ui-screenshots/. The CSRF refusal is plain HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
    private static final String TOKEN = "console-it-admin-token";
    /** Users of pull access control: a viewer, an admin, and one who may only pull. */
    private static final String VIEWER = "vera";

    private static final String VIEWER_PASSWORD = "vera-console-pw";
    private static final String ADMIN = "root";
    private static final String ADMIN_PASSWORD = "root-console-pw";
    private static final String PULL_ONLY = "alice";
    private static final String PULL_ONLY_PASSWORD = "alice-console-pw";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private DockerRegistry registry;
    private StaticGoProxy goUpstream;
    private FerryProcess ferry;
    private WebDriver browser;
    private WebDriverWait wait;
    private Path shots;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "chromium or chromium-driver not installed (apt-get install chromium chromium-driver; .ci/run does)");
        assumeTrue(
                DockerRegistry.installed(),
                "docker-registry not installed (apt-get install docker-registry; .ci/run does)");
        assumeTrue(Skopeo.installed(), "skopeo not installed (apt-get install skopeo; .ci/run does)");
        assumeTrue(Htpasswd.installed(), "htpasswd not installed (apt-get install apache2-utils; .ci/run does)");
        Path users = Files.writeString(
                tmp.resolve("users.htpasswd"),
                Htpasswd.bcryptLine(VIEWER, VIEWER_PASSWORD)
                        + Htpasswd.bcryptLine(ADMIN, ADMIN_PASSWORD)
                        + Htpasswd.bcryptLine(PULL_ONLY, PULL_ONLY_PASSWORD));
        Path roles = Files.writeString(
                tmp.resolve("roles"),
                "viewer: " + VIEWER + "\nadmin: " + ADMIN + "\npush: " + ADMIN + "\npull: " + PULL_ONLY + "\n");
        registry = new DockerRegistry(tmp.resolve("registry"), null, null);
        OciFixtures.push(registry.hostPort(), null, tmp.resolve("push-home"));
        goUpstream = new StaticGoProxy(Fixtures.goProxyTree());
        Path data = tmp.resolve("data");
        Cli key = Cli.run(TOKEN, "keys", "generate", "--data", data.toString(), "--name", "console-it");
        assertEquals(0, key.exit(), key.output());
        ferry = FerryProcess.start(
                data,
                tmp.resolve("ferry.log"),
                Map.of("FERRY_ADMIN_TOKEN", TOKEN),
                "--go-upstream",
                goUpstream.url(),
                "--sumdb",
                Fixtures.sumdbKey(),
                "--registry",
                "docker.io=" + registry.url(),
                "--default-registry",
                "docker.io",
                "--users",
                users.toString(),
                "--roles",
                roles.toString(),
                // the transfer medium's mount point: the admin API exports only under a bundle root
                "--bundle-root",
                tmp.resolve("usb").toString(),
                "--hosted",
                "apps");

        shots = Path.of("target", "ui-screenshots");
        Files.createDirectories(shots);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800", "--lang=en");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1280, 800));
        wait = new WebDriverWait(browser, WAIT);
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (ferry != null) {
            ferry.close();
        }
        if (goUpstream != null) {
            goUpstream.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private String url(String path) {
        return ferry.url() + path;
    }

    private WebElement byId(String id) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
    }

    private void textAppears(By where, String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(where, text));
    }

    private void open(String page) {
        browser.get(url("/ui/" + page));
        wait.until(d -> !d.findElements(By.cssSelector("header.top")).isEmpty());
    }

    // ---- the round, in order

    @Test
    @Order(1)
    void aBrowserAtTheRootLandsOnSignInAndAWrongTokenIsRefused() throws Exception {
        browser.get(url("/"));
        wait.until(ExpectedConditions.urlContains("/ui/signin"));
        byId("token").sendKeys("not-the-token");
        byId("sign-in").click();
        textAppears(By.id("message"), "Wrong token");
        assertTrue(browser.manage().getCookies().isEmpty(), "a refused sign-in set a cookie");
        checkPage("signin");
    }

    @Test
    @Order(2)
    void signInShowsTheOverviewWithStoreAndUpstreams() throws Exception {
        byId("token").clear();
        byId("token").sendKeys(TOKEN);
        byId("sign-in").click();
        wait.until(ExpectedConditions.urlContains("/ui/overview"));
        textAppears(By.id("store-card"), "objects");
        textAppears(By.id("up-title"), "Upstreams");
        textAppears(By.tagName("main"), goUpstream.url());
        textAppears(By.tagName("main"), "registry:docker.io");
        var cookie = browser.manage().getCookieNamed("ferry_session");
        assertTrue(cookie.isHttpOnly(), "session cookie must be HttpOnly");
        assertEquals("Strict", cookie.getSameSite());
        // The token is nowhere in the page's storage.
        Object stored = js("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage);");
        assertFalse(String.valueOf(stored).contains(TOKEN), "token in browser storage: " + stored);
        checkPage("overview-empty");
    }

    @Test
    @Order(3)
    void aPrewarmOfTheFixtureAppAndOfAMultiArchImageRunsToTheEnd() throws Exception {
        open("prewarm");
        new Select(byId("kind")).selectByValue("gomod");
        setValue(byId("content"), Files.readString(Fixtures.goApp().resolve("go.mod")));
        byId("start").click();
        textAppears(By.id("job-state"), "SUCCEEDED");
        textAppears(By.id("job"), " 0 failed");
        new Select(byId("kind")).selectByValue("images");
        setValue(byId("content"), "library/duo:2.0");
        byId("platforms").sendKeys("all");
        byId("start").click();
        wait.until(d -> d.findElement(By.id("job")).getText().contains("library/duo:2.0"));
        textAppears(By.id("job-state"), "SUCCEEDED");
        checkPage("prewarm");
    }

    @Test
    @Order(4)
    void aModuleAndItsVersionAreFoundAndItsZipDownloads() throws Exception {
        open("modules");
        setValue(byId("q"), "github.com/Burnt");
        byId("search").click();
        WebElement module =
                wait.until(ExpectedConditions.elementToBeClickable(By.linkText("github.com/BurntSushi/toml")));
        module.click();
        textAppears(By.tagName("main"), "v1.2.0");
        textAppears(By.tagName("main"), "sumdb");
        WebElement zip = browser.findElement(By.linkText(".zip"));
        String href = zip.getAttribute("href");
        assertTrue(href.endsWith("/github.com/!burnt!sushi/toml/@v/v1.2.0.zip"), href);
        HttpResponse<byte[]> got =
                http.send(HttpRequest.newBuilder(URI.create(href)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, got.statusCode());
        assertEquals(
                Files.size(Fixtures.goProxyTree().resolve("github.com/!burnt!sushi/toml/@v/v1.2.0.zip")),
                got.body().length);
        // A glob finds it too, and a prefix that matches nothing says so.
        setValue(byId("q"), "github.com/*/toml");
        byId("search").click();
        wait.until(ExpectedConditions.elementToBeClickable(By.linkText("github.com/BurntSushi/toml")));
        checkPage("modules");
    }

    @Test
    @Order(5)
    void theMultiArchImageIsBrowsedDownToALayer() throws Exception {
        open("images");
        setValue(byId("q"), "duo");
        byId("search").click();
        wait.until(ExpectedConditions.elementToBeClickable(By.linkText("library/duo")))
                .click();
        wait.until(ExpectedConditions.elementToBeClickable(By.linkText("2.0"))).click();
        textAppears(By.tagName("main"), "Platforms");
        textAppears(By.tagName("main"), "linux/amd64");
        textAppears(By.tagName("main"), "linux/arm64/v8");
        // The amd64 entry's digest opens its manifest, with its layers.
        WebElement amd64Row = browser.findElements(By.cssSelector("main table tr")).stream()
                .filter(r -> r.getText().startsWith("linux/amd64"))
                .findFirst()
                .orElseThrow();
        amd64Row.findElement(By.tagName("a")).click();
        byId("layers-title");
        List<WebElement> layers = browser.findElements(By.cssSelector("span.layer"));
        assertFalse(layers.isEmpty(), "no layer shown");
        assertTrue(layers.get(0).getText().startsWith("sha256:"), layers.get(0).getText());
        checkPage("images");
    }

    @Test
    @Order(5)
    void aHostedRepositoryShowsItsPushesWithWhoPushed() throws Exception {
        OciFixtures.Image tiny = OciFixtures.image("tiny-1.0");
        String dest = ferry.base().getHost() + ":" + ferry.base().getPort() + "/apps/tiny:1.0";
        Skopeo.Result push = new Skopeo(tmp.resolve("skopeo-home"))
                .copy(
                        "oci:" + OciFixtures.layout() + ":tiny-1.0",
                        "docker://" + dest,
                        null,
                        ADMIN + ":" + ADMIN_PASSWORD,
                        "--preserve-digests");
        assertTrue(push.ok(), push.toString());
        open("images");
        setValue(byId("q"), "apps/tiny");
        byId("search").click();
        wait.until(ExpectedConditions.elementToBeClickable(By.linkText("apps/tiny")))
                .click();
        byId("pushes-title");
        textAppears(By.tagName("main"), "PUT /v2/apps/tiny/manifests/1.0");
        textAppears(By.tagName("main"), "user:" + ADMIN);
        textAppears(By.tagName("main"), tiny.digest());
        checkPage("images");
    }

    @Test
    @Order(6)
    void aBundleIsExportedAndShowsInTheHistory() throws Exception {
        open("transfer");
        Path to = tmp.resolve("usb");
        Files.createDirectories(to);
        byId("export-to").sendKeys(to.toString());
        byId("export-site").sendKeys("plant-7");
        setValue(byId("export-modules"), "github.com/BurntSushi/toml");
        byId("start-export").click();
        wait.until(d -> !d.findElements(By.cssSelector("span.bundle")).isEmpty());
        textAppears(By.tagName("main"), "plant-7");
        String bundle = browser.findElement(By.cssSelector("span.bundle")).getText();
        assertTrue(Files.isDirectory(to.resolve(bundle)), "no bundle directory " + bundle + " in " + to);
        // The history's row for it says a later export may be cut --since it (its record of the site is kept).
        wait.until(d -> !d.findElements(By.xpath(
                        "//tr[td/span[contains(@class, 'bundle') and text()='" + bundle + "']][td[text()='yes']]"))
                .isEmpty());
        checkPage("transfer");
    }

    @Test
    @Order(7)
    void thoseActionsAreInTheAuditView() throws Exception {
        open("audit");
        textAppears(By.tagName("main"), "POST /admin/api/prewarm");
        textAppears(By.tagName("main"), "POST /admin/api/exports");
        textAppears(By.tagName("main"), "POST /ui/session");
        setValue(byId("action"), "exports");
        byId("filter").click();
        wait.until(d -> !d.findElement(By.tagName("main")).getText().contains("POST /admin/api/prewarm"));
        textAppears(By.tagName("main"), "POST /admin/api/exports");
        checkPage("audit");
    }

    @Test
    @Order(8)
    void theConfigurationShowsSourcesAndHidesTheToken() throws Exception {
        open("config");
        textAppears(By.tagName("main"), "flag --go-upstream");
        textAppears(By.tagName("main"), "env FERRY_ADMIN_TOKEN");
        textAppears(By.tagName("main"), "(set: hidden)");
        assertFalse(browser.getPageSource().contains(TOKEN), "the admin token is on the configuration page");
        checkPage("config");
    }

    @Test
    @Order(9)
    void theOverviewDrawsItsChartsAndFitsAPhone() throws Exception {
        open("overview");
        wait.until(d -> d.findElements(By.cssSelector("#chart-requests canvas")).size() == 1);
        textAppears(By.id("store-card"), "MiB");
        checkPage("overview");
        browser.manage().window().setSize(new Dimension(390, 844));
        open("overview");
        wait.until(d -> d.findElements(By.cssSelector("#chart-requests canvas")).size() == 1);
        Long scroll = (Long) js("return document.documentElement.scrollWidth;");
        Long width = (Long) js("return document.documentElement.clientWidth;");
        assertTrue(scroll <= width + 1, "the overview scrolls sideways on a phone: " + scroll + " > " + width);
        shot("overview-phone");
        browser.manage().window().setSize(new Dimension(1280, 800));
    }

    @Test
    @Order(10)
    void signOutEndsTheSession() throws Exception {
        open("overview");
        String session = browser.manage().getCookieNamed("ferry_session").getValue();
        byId("sign-out").click();
        wait.until(ExpectedConditions.urlContains("/ui/signin"));
        browser.get(url("/ui/modules"));
        wait.until(ExpectedConditions.urlContains("/ui/signin"));
        HttpResponse<String> after = http.send(
                HttpRequest.newBuilder(URI.create(url("/admin/api/storage")))
                        .header("Cookie", "ferry_session=" + session)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, after.statusCode(), "the old session still reads: " + after.body());
    }

    // ---- plain HTTP

    @Test
    @Order(11)
    void aChangeWithoutTheCsrfTokenIsRefusedAndStartsNothing() throws Exception {
        HttpResponse<String> signIn = http.send(
                HttpRequest.newBuilder(URI.create(url("/ui/session")))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + TOKEN + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, signIn.statusCode(), signIn.body());
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        String csrf = JSON.readTree(signIn.body()).path("csrf").asText();
        int before = prewarmJobs(cookie);
        String body = "{\"kind\":\"modules\",\"items\":[\"github.com/pkg/errors@v0.9.1\"]}";

        HttpResponse<String> refused = post("/admin/api/prewarm", cookie, null, body);
        assertEquals(403, refused.statusCode(), refused.body());
        assertEquals("csrf", JSON.readTree(refused.body()).path("error").asText());
        HttpResponse<String> wrong = post("/admin/api/prewarm", cookie, csrf + "x", body);
        assertEquals(403, wrong.statusCode(), wrong.body());
        assertEquals(before, prewarmJobs(cookie), "a refused change started a job");

        HttpResponse<String> accepted = post("/admin/api/prewarm", cookie, csrf, body);
        assertEquals(202, accepted.statusCode(), accepted.body());
        assertEquals(before + 1, prewarmJobs(cookie));
        // And a console answer forbids framing and inline script, and is not cached.
        HttpResponse<String> page = http.send(
                HttpRequest.newBuilder(URI.create(url("/ui/overview"))).build(), HttpResponse.BodyHandlers.ofString());
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), csp);
        assertFalse(csp.contains("unsafe-inline"), csp);
        assertEquals("no-store", accepted.headers().firstValue("Cache-Control").orElse(""));
    }

    @Test
    @Order(12)
    void aViewerSignsInThroughThePageSeesThePagesAndChangesNothing() throws Exception {
        browser.get(url("/ui/signin"));
        byId("user").sendKeys(VIEWER);
        byId("password").sendKeys(VIEWER_PASSWORD);
        byId("sign-in-user").click();
        wait.until(ExpectedConditions.urlContains("/ui/overview"));
        textAppears(By.cssSelector("header.top"), "user:" + VIEWER + " (viewer)");
        textAppears(By.id("store-card"), "objects");
        textAppears(By.tagName("main"), "registry:docker.io");

        // The prewarm page shows the jobs but not the form that starts one; the transfer page the history and the
        // key, not the export and import forms.
        open("prewarm");
        textAppears(By.tagName("main"), "library/duo:2.0");
        assertFalse(browser.findElement(By.id("start")).isDisplayed(), "a viewer sees Start prewarm");
        open("transfer");
        textAppears(By.tagName("main"), "plant-7");
        byId("verifier");
        assertFalse(browser.findElement(By.id("start-export")).isDisplayed(), "a viewer sees Start export");
        assertFalse(browser.findElement(By.id("start-import")).isDisplayed(), "a viewer sees Start import");

        // The server refuses the change anyway, even with the session's own CSRF token.
        String cookie = "ferry_session="
                + browser.manage().getCookieNamed("ferry_session").getValue();
        JsonNode session = JSON.readTree(get("/ui/session", cookie).body());
        assertEquals("viewer", session.path("role").asText());
        int before = prewarmJobs(cookie);
        HttpResponse<String> refused = post(
                "/admin/api/prewarm",
                cookie,
                session.path("csrf").asText(),
                "{\"kind\":\"modules\",\"items\":[\"github.com/pkg/errors@v0.9.1\"]}");
        assertEquals(403, refused.statusCode(), refused.body());
        assertEquals("forbidden", JSON.readTree(refused.body()).path("error").asText());
        assertEquals(before, prewarmJobs(cookie), "a viewer's refused change started a job");

        // A viewer signs out like anyone else.
        byId("sign-out").click();
        wait.until(ExpectedConditions.urlContains("/ui/signin"));
        assertEquals(401, get("/admin/api/storage", cookie).statusCode(), "the viewer's session still reads");
    }

    @Test
    @Order(13)
    void aPullOnlyUserAWrongPasswordAndAWrongTokenGetTheSameRefusal() throws Exception {
        HttpResponse<String> wrongToken = signIn("{\"token\":\"not-the-token\"}");
        HttpResponse<String> pullOnly =
                signIn("{\"user\":\"" + PULL_ONLY + "\",\"password\":\"" + PULL_ONLY_PASSWORD + "\"}");
        HttpResponse<String> wrongPassword =
                signIn("{\"user\":\"" + ADMIN + "\",\"password\":\"" + VIEWER_PASSWORD + "\"}");
        HttpResponse<String> unknown = signIn("{\"user\":\"nobody\",\"password\":\"" + ADMIN_PASSWORD + "\"}");
        for (HttpResponse<String> r : List.of(wrongToken, pullOnly, wrongPassword, unknown)) {
            assertEquals(401, r.statusCode(), r.body());
            assertEquals(wrongToken.body(), r.body(), "a refusal that tells users apart");
            assertTrue(r.headers().firstValue("Set-Cookie").isEmpty(), "a refused sign-in set a cookie");
        }
        // Audited, without the name tried (it might be a password typed into the wrong field).
        JsonNode refusals = JSON.readTree(http.send(
                                HttpRequest.newBuilder(
                                                URI.create(url("/admin/api/audit?action=/ui/session&result=refused")))
                                        .header("Authorization", "Bearer " + TOKEN)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body())
                .path("entries");
        assertTrue(refusals.size() >= 4, refusals.toString());
        assertFalse(refusals.toString().contains(PULL_ONLY), refusals.toString());
    }

    @Test
    @Order(14)
    void aUserWithTheAdminRoleSignsInAndStartsAPrewarmAuditedUnderItsName() throws Exception {
        browser.get(url("/ui/signin"));
        byId("user").sendKeys(ADMIN);
        byId("password").sendKeys(ADMIN_PASSWORD);
        byId("sign-in-user").click();
        wait.until(ExpectedConditions.urlContains("/ui/overview"));
        textAppears(By.cssSelector("header.top"), "user:" + ADMIN + " (admin)");
        open("prewarm");
        new Select(byId("kind")).selectByValue("modules");
        setValue(byId("content"), "github.com/BurntSushi/toml@v1.2.0");
        byId("start").click();
        wait.until(d -> d.findElement(By.id("job")).getText().contains("github.com/BurntSushi/toml@v1.2.0"));
        textAppears(By.id("job-state"), "SUCCEEDED");
        HttpResponse<String> audit = http.send(
                HttpRequest.newBuilder(URI.create(url("/admin/api/audit?action=prewarm&who=user:" + ADMIN)))
                        .header("Authorization", "Bearer " + TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode entries = JSON.readTree(audit.body()).path("entries");
        assertEquals(1, entries.size(), audit.body());
        assertEquals("POST /admin/api/prewarm", entries.get(0).path("action").asText());
        assertEquals(202, entries.get(0).path("status").asInt());
        byId("sign-out").click();
        wait.until(ExpectedConditions.urlContains("/ui/signin"));
    }

    @Test
    @Order(15)
    void repeatedFailedSignInsFromOneAddressAreRefusedWith429() throws Exception {
        HttpResponse<String> last = null;
        for (int i = 0; i <= SignInThrottle.MAX_FAILURES; i++) {
            last = signIn("{\"token\":\"guess-" + i + "\"}");
            if (last.statusCode() != 401) {
                break;
            }
        }
        assertEquals(429, last.statusCode(), last.body());
        long retryAfter =
                Long.parseLong(last.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 600, "Retry-After " + retryAfter);
        // While refused, even the right token is not checked: no oracle.
        HttpResponse<String> right = signIn("{\"token\":\"" + TOKEN + "\"}");
        assertEquals(429, right.statusCode(), right.body());
        assertTrue(right.headers().firstValue("Set-Cookie").isEmpty());
        // The admin API with the token is not a sign-in and goes on working.
        assertEquals(200, prewarmJobsStatus());
    }

    private HttpResponse<String> signIn(String body) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(url("/ui/session")))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String cookie) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(url(path)))
                        .header("Cookie", cookie)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int prewarmJobsStatus() throws IOException, InterruptedException {
        return http.send(
                        HttpRequest.newBuilder(URI.create(url("/admin/api/prewarm")))
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private HttpResponse<String> post(String path, String cookie, String csrf, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
                .header("Cookie", cookie)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (csrf != null) {
            b.header("X-Ferry-CSRF", csrf);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int prewarmJobs(String cookie) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url("/admin/api/prewarm")))
                        .header("Cookie", cookie)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("jobs").size();
    }

    // ---- helpers

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** Sets a text field's value at once (sendKeys of a whole go.mod is slow) and tells the page it changed. */
    private void setValue(WebElement field, String value) {
        js("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", field, value);
    }

    /** The whole page: the window made as tall as the page for the picture, then put back. */
    private void shot(String name) throws IOException {
        Dimension size = browser.manage().window().getSize();
        long height = (Long) js("return document.documentElement.scrollHeight;");
        browser.manage().window().setSize(new Dimension(size.getWidth(), (int) Math.min(4000, height + 140)));
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        browser.manage().window().setSize(size);
        Files.write(shots.resolve(name + ".png"), png);
    }

    /** axe-core on the page as it stands: no serious or critical violation; then a screenshot. */
    private void checkPage(String name) throws IOException {
        String axe;
        try (InputStream in = ConsoleIT.class.getResourceAsStream("/axe-core/axe.min.js")) {
            axe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        js(axe);
        Object result = ((JavascriptExecutor) browser)
                .executeAsyncScript("const done = arguments[arguments.length - 1];"
                        + "axe.run(document, {resultTypes: ['violations']})"
                        + ".then(r => done(JSON.stringify(r.violations)), e => done('error: ' + e));");
        String text = String.valueOf(result);
        assertFalse(text.startsWith("error:"), text);
        JsonNode violations = JSON.readTree(text);
        List<String> bad = new ArrayList<>();
        for (JsonNode v : violations) {
            String impact = v.path("impact").asText();
            if (impact.equals("serious") || impact.equals("critical")) {
                bad.add(impact + " " + v.path("id").asText() + ": "
                        + v.path("help").asText() + " at " + v.path("nodes").findValuesAsText("target"));
            }
        }
        assertTrue(bad.isEmpty(), "accessibility violations on " + name + ":\n" + String.join("\n", bad));
        shot(name);
    }
}
