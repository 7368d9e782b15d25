package network.hydrogen.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The image generator page in headless Chromium (Debian's chromium and chromedriver; skipped when
 * they are not installed): a person fills the form, generates, and sees the images. Screenshots go
 * to target/ (bridge-page.png, bridge-page-phone.png).
 */
class BridgePageTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir static Path dir;
  private static TestNetwork net;
  private static Bridge bridge;
  private static WebDriver browser;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
    net = TestNetwork.start(dir, 3);
    bridge = net.bridge(net.bridgeConfig("page").withPageModel("hydrogen/featured-<demo>"));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1800");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (bridge != null) {
      bridge.close();
    }
    if (net != null) {
      net.close();
    }
  }

  @Test
  void fillTheFormGenerateAndSeeTheImages() throws IOException {
    browser.get("http://127.0.0.1:" + bridge.port() + "/");
    assertThat(browser.getTitle()).isEqualTo("Hydrogen image generator");
    // Every form control has a label.
    for (WebElement input : browser.findElements(By.cssSelector("input, select, textarea"))) {
      String id = input.getAttribute("id");
      assertThat(browser.findElements(By.cssSelector("label[for='" + id + "']")))
          .as("label for #" + id)
          .isNotEmpty();
    }

    assertThat(
            new Select(browser.findElement(By.id("model")))
                .getFirstSelectedOption()
                .getAttribute("value"))
        .as("the configured page model is offered first and selected")
        .isEqualTo("hydrogen/featured-<demo>");
    WebElement customModel = browser.findElement(By.id("custom-model"));
    assertThat(customModel.isDisplayed()).isFalse();
    new Select(browser.findElement(By.id("model"))).selectByValue("custom");
    assertThat(customModel.isDisplayed()).isTrue();
    new Select(browser.findElement(By.id("model"))).selectByValue("runwayml/stable-diffusion-v1-5");
    assertThat(customModel.isDisplayed()).isFalse();

    browser.findElement(By.id("prompt")).sendKeys("a red fox in the snow");
    browser.findElement(By.id("negative-prompt")).sendKeys("blurry");
    new Select(browser.findElement(By.id("size"))).selectByValue("512x512");
    replace("num-images", "2");
    replace("steps", "500");
    browser.findElement(By.id("generate-button")).click();
    WebElement errors = browser.findElement(By.id("errors"));
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> errors.isDisplayed());
    assertThat(errors.getText()).contains("task_config.steps");

    replace("steps", "4");
    browser.findElement(By.id("generate-button")).click();
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(
            d ->
                (Boolean)
                    ((JavascriptExecutor) d)
                        .executeScript(
                            "const imgs = document.querySelectorAll('#gallery img');"
                                + " return imgs.length === 2"
                                + " && [...imgs].every(i => i.complete && i.naturalWidth === 512);"));
    assertThat(browser.findElement(By.id("progress-text")).getText()).isEqualTo("done");
    assertThat(browser.findElement(By.id("result-params")).getText())
        .contains("a red fox in the snow")
        .containsPattern("seed \\d+");
    List<WebElement> downloads = browser.findElements(By.cssSelector("#gallery a[download]"));
    assertThat(downloads).hasSize(2);
    new WebDriverWait(browser, Duration.ofSeconds(10))
        .until(d -> d.findElement(By.id("history")).getText().contains("succeeded"));

    screenshot("bridge-page.png");
    browser.manage().window().setSize(new Dimension(412, 1800));
    screenshot("bridge-page-phone.png");
  }

  private static void replace(String id, String value) {
    WebElement input = browser.findElement(By.id(id));
    input.clear();
    input.sendKeys(value);
  }

  private static void screenshot(String name) throws IOException {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Path target = Path.of("target", name);
    Files.createDirectories(target.getParent());
    Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
  }
}
