package io.exocohort.report;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Loads a page in headless Chromium ({@code --dump-dom} after the page's load event and a virtual-time budget)
 * and returns the attributes of its {@code #report-check} element, which the report's own script fills in.
 * Without a Chromium binary the test is skipped with a message on a developer machine and FAILS in CI
 * (environment variable {@code CI} set): .ci/run installs it.
 */
final class HeadlessChromium {
  private HeadlessChromium() {}

  static Path binary() {
    for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
        "/usr/bin/google-chrome-stable")) {
      if (Files.isExecutable(Path.of(c))) return Path.of(c);
    }
    String msg = "no Chromium found (/usr/bin/chromium): install it with `apt-get install -y chromium` "
        + "(.ci/run does when it runs as root)";
    if (System.getenv("CI") != null) fail("CI: " + msg);
    Assumptions.abort(msg);
    return null;
  }

  /** The data-* attributes of #report-check after the page loaded. */
  static Map<String, String> check(Path page, Path workDir) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(workDir, "chromium-profile");
    Path out = workDir.resolve("dom-" + System.nanoTime() + ".html");
    Path err = workDir.resolve("chromium-" + System.nanoTime() + ".log");
    Process p = new ProcessBuilder(binary().toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=5000",
        "--dump-dom", page.toUri().toString())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish within 180 s: " + Files.readString(err));
    }
    String dom = Files.readString(out, StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("<div id=\"report-check\"([^>]*)>").matcher(dom);
    if (!m.find()) {
      fail("chromium (exit " + p.exitValue() + ") gave no #report-check element; stderr: "
          + Files.readString(err).lines().limit(20).toList());
    }
    Map<String, String> attrs = new LinkedHashMap<>();
    Matcher a = Pattern.compile("data-([a-z-]+)=\"([^\"]*)\"").matcher(m.group(1));
    while (a.find()) attrs.put(a.group(1), a.group(2));
    return attrs;
  }
}
