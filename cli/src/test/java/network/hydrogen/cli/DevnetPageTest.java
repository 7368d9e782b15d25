package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import network.hydrogen.chain.HardhatNode;
import network.hydrogen.chain.NodeStatus;
import network.hydrogen.node.NodeDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The devnet as a person uses it, in headless Chromium (Debian's chromium and chromedriver; skipped
 * when they are missing): the image generator page gets its images from real nodes running the demo
 * model, and a node's WebUI buttons pause and resume the real node on chain. Screenshots go to
 * target/ (devnet-page.png, devnet-node.png).
 */
class DevnetPageTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir Path dir;
  private WebDriver browser;

  @BeforeEach
  void openBrowser() {
    assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600");
    browser =
        new ChromeDriver(
            new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build(),
            options);
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  void thePageGetsImagesFromRealNodesAndANodesWebUiPausesAndResumesIt() throws Exception {
    try (Devnet devnet =
        Devnet.start(
            new Devnet.Options(
                3,
                dir.resolve("models"),
                dir.resolve("data"),
                DevnetTest.freePortBase(),
                HardhatNode.locateContractsDir().orElseThrow(),
                1))) {
      browser.get(devnet.bridgeUrl().toString());
      assertThat(
              new Select(browser.findElement(By.id("model")))
                  .getFirstSelectedOption()
                  .getAttribute("value"))
          .isEqualTo(Devnet.DEMO_MODEL);
      browser.findElement(By.id("prompt")).sendKeys("a lighthouse on a cliff at dusk");
      replace("num-images", "1");
      replace("steps", "4");
      browser.findElement(By.id("generate-button")).click();
      new WebDriverWait(browser, Duration.ofSeconds(120))
          .until(
              d ->
                  (Boolean)
                      ((JavascriptExecutor) d)
                          .executeScript(
                              "const imgs = document.querySelectorAll('#gallery img');"
                                  + " return imgs.length === 1"
                                  + " && imgs[0].complete && imgs[0].naturalWidth === 512;"));
      assertThat(browser.findElement(By.id("progress-text")).getText()).isEqualTo("done");
      screenshot("devnet-page.png");

      Devnet.RunningNode first = devnet.nodes().getFirst();
      NodeDaemon node = first.daemon();
      browser.get("http://127.0.0.1:" + first.webUi().port() + "/");
      WebElement pause = browser.findElement(By.id("pause"));
      new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> pause.isEnabled());
      pause.click();
      awaitStatus(node, NodeStatus.PAUSED);
      WebElement resume = browser.findElement(By.id("resume"));
      new WebDriverWait(browser, Duration.ofSeconds(30))
          .until(
              d -> resume.isEnabled() && d.findElement(By.id("status")).getText().contains("aus"));
      screenshot("devnet-node.png");
      resume.click();
      awaitStatus(node, NodeStatus.AVAILABLE);
      new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> pause.isEnabled());
    }
  }

  private void replace(String id, String value) {
    WebElement input = browser.findElement(By.id(id));
    input.clear();
    input.sendKeys(value);
  }

  private static void awaitStatus(NodeDaemon node, NodeStatus wanted) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (node.snapshot().status() != wanted) {
      assertThat(System.nanoTime()).as("node status " + wanted).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private void screenshot(String name) throws IOException {
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.createDirectories(Path.of("target"));
    Files.copy(shot, Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
  }
}
