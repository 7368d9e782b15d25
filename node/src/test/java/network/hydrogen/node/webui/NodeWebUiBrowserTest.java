package network.hydrogen.node.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import network.hydrogen.chain.NodeStatus;
import network.hydrogen.node.NodeLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The WebUI's page in headless Chromium (Debian's chromium and chromium-driver, driven through
 * Selenium): it shows the node, its buttons change the node, and the page follows the node live and
 * shows when it loses it. Skipped where chromium is not installed; screenshots go to target/.
 */
class NodeWebUiBrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Optional<Path> CHROMIUM = onPath("chromium", "chromium-browser");
  private static ChromeDriver browser;

  private final FakeNode node = new FakeNode();
  private NodeWebUi webUi;
  private WebDriverWait wait;

  private static ChromeDriver startBrowser(Path chromium) {
    Path driver =
        onPath("chromedriver")
            .orElseThrow(
                () ->
                    new AssertionError(
                        "chromium is installed but chromedriver is not:"
                            + " apt-get install chromium-driver"));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=412,1400");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(driver.toFile())
            .usingAnyFreePort()
            .build();
    ChromeDriver started = new ChromeDriver(service, options);
    started.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    return started;
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @BeforeEach
  void start() {
    assumeTrue(CHROMIUM.isPresent(), "chromium is not installed (apt-get install chromium)");
    if (browser == null) {
      browser = startBrowser(CHROMIUM.get());
    }
    webUi = NodeWebUi.start(node, "127.0.0.1", 0, Optional.empty());
    wait = new WebDriverWait(browser, WAIT);
  }

  @AfterEach
  void stop() {
    if (webUi != null) {
      webUi.close();
    }
  }

  @Test
  void showsTheNodeAndItsButtonsDriveItWithLiveUpdates() throws IOException {
    node.log(NodeLogEntry.Level.ERROR, "cannot reach the chain RPC: connection refused");
    browser.get("http://127.0.0.1:" + webUi.port() + "/");

    waitForText("connection", "Connected");
    assertThat(text("status")).isEqualTo("Not in the network");
    assertThat(text("address")).isEqualTo("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assertThat(text("ether")).isEqualTo("1.2345 ETH");
    assertThat(text("cnx")).isEqualTo("1,000 CNX");
    assertThat(text("staked")).isEqualTo("0 CNX");
    assertThat(text("gpu-name")).isEqualTo("NVIDIA GeForce RTX 4090");
    assertThat(text("gpu-vram")).isEqualTo("24.0 GiB");
    assertThat(text("no-task")).isEqualTo("No task is running.");
    assertEnabled("join");
    WebElement error = browser.findElement(By.cssSelector("#logs li.level-error"));
    assertThat(error.getText())
        .contains(
            "Error", "cannot reach the chain RPC", "What this means: The node could not reach");

    click("join");
    waitForText("status", "Available: waiting for tasks");
    assertThat(node.snapshot().status()).isEqualTo(NodeStatus.AVAILABLE);
    waitForText("staked", "100 CNX");
    waitForText("cnx", "900 CNX");
    waitForText("logs", "join done");
    assertEnabled("pause", "quit");

    node.runTask(BigInteger.valueOf(7), "running the engine", 5, 20);
    waitForText("task-steps", "step 5 of 20 (25%)");
    assertThat(browser.findElement(By.id("task-progress")).getDomProperty("value")).isEqualTo("5");
    assertThat(text("task-id")).isEqualTo("#7");
    assertThat(text("task-stage")).isEqualTo("running the engine");
    assertEnabled("pause", "quit");
    node.runTask(BigInteger.valueOf(7), "running the engine", 15, 20);
    waitForText("task-steps", "step 15 of 20 (75%)");
    screenshot("node-webui-busy.png");

    node.endTask("paid", new BigInteger("2500000000000000000"));
    waitForText("history-rows", "paid");
    assertThat(text("history-rows")).contains("#7", "2.5 CNX");
    assertThat(text("total-earned")).isEqualTo("2.5 CNX");
    waitForText("no-task", "No task is running.");

    wait.withMessage("the focus should go from Join, now disabled, to Pause")
        .until(b -> "pause".equals(b.switchTo().activeElement().getDomAttribute("id")));
    browser.switchTo().activeElement().sendKeys(Keys.ENTER);
    waitForText("status", "Paused");
    assertEnabled("resume", "quit");
    click("resume");
    waitForText("status", "Available: waiting for tasks");
    click("quit");
    waitForText("status", "Not in the network");
    assertEnabled("join");
    assertThat(node.requests).containsExactly("join", "pause", "resume", "quit");
    screenshot("node-webui.png");
  }

  @Test
  void showsWhenTheStreamDropsAndReconnects() throws IOException {
    int port = webUi.port();
    browser.get("http://127.0.0.1:" + port + "/");
    waitForText("connection", "Connected");

    webUi.close();

    waitForText("connection", "Disconnected");
    assertThat(browser.findElement(By.id("connection")).getDomAttribute("class"))
        .contains("disconnected");
    assertEnabled();
    screenshot("node-webui-disconnected.png");

    node.join();
    webUi = NodeWebUi.start(node, "127.0.0.1", port, Optional.empty());
    waitForText("connection", "Connected");
    waitForText("status", "Available: waiting for tasks");
    assertEnabled("pause", "quit");
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  private void waitForText(String id, String text) {
    wait.withMessage(
            () -> "#" + id + " never showed \"" + text + "\": it shows \"" + text(id) + "\"")
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id(id), text));
  }

  private void click(String id) {
    wait.until(ExpectedConditions.elementToBeClickable(By.id(id))).click();
  }

  /** Checks that exactly the {@code ids} among the four buttons are enabled. */
  private void assertEnabled(String... ids) {
    wait.withMessage("buttons enabled should be " + Arrays.toString(ids))
        .until(
            (WebDriver b) -> {
              for (String button : new String[] {"join", "pause", "resume", "quit"}) {
                boolean want = Arrays.asList(ids).contains(button);
                if (b.findElement(By.id(button)).isEnabled() != want) {
                  return false;
                }
              }
              return true;
            });
  }

  private static void screenshot(String name) throws IOException {
    File shot = browser.getScreenshotAs(OutputType.FILE);
    Path target = Path.of("target", name);
    Files.createDirectories(target.getParent());
    Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
  }

  private static Optional<Path> onPath(String... names) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      for (String name : names) {
        Path candidate = Path.of(dir, name);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }
}
