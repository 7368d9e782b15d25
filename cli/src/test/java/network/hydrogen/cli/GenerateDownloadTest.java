package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hydrogen generate --cache}: the model downloaded from a hub on 127.0.0.1 gives the images
 * of the models folder; offline and option errors are named.
 */
class GenerateDownloadTest {

  static final Path MODEL = Path.of("../engine/src/test/resources/engine-reference/sd15/model");
  static final String REPO = "runwayml/stable-diffusion-v1-5";

  @TempDir Path dir;
  HttpServer hub;

  @BeforeEach
  void start() throws IOException {
    hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    hub.createContext("/", this::serve);
    hub.start();
  }

  @AfterEach
  void stop() {
    hub.stop(0);
  }

  /** The hub API's file list of the reference model, and its files at {@code resolve} URLs. */
  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      byte[] body;
      if (path.equals("/api/models/" + REPO + "/revision/main")) {
        List<String> files;
        try (Stream<Path> walk = Files.walk(MODEL)) {
          files =
              walk.filter(Files::isRegularFile)
                  .map(f -> "{\"rfilename\": \"" + MODEL.relativize(f) + "\"}")
                  .toList();
        }
        body =
            ("{\"sha\": \"main\", \"siblings\": [" + String.join(",", files) + "]}")
                .getBytes(StandardCharsets.UTF_8);
      } else if (path.startsWith("/" + REPO + "/resolve/main/")) {
        body = Files.readAllBytes(MODEL.resolve(path.substring(REPO.length() + 15)));
      } else {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private Path task() throws IOException {
    return Files.writeString(
        dir.resolve("task.json"),
        """
        {"base_model": "%s", "prompt": "a red fox in the snow",
         "task_config": {"num_images": 1, "steps": 2, "seed": 9, "image_width": 64,
                         "image_height": 64}}
        """
            .formatted(REPO));
  }

  @Test
  void aDownloadedModelGivesTheImagesOfTheModelsFolder() throws IOException {
    String endpoint = "http://127.0.0.1:" + hub.getAddress().getPort();
    Path cache = dir.resolve("cache");
    CliRun downloaded =
        CliRun.of(
            "generate",
            task().toString(),
            "--cache",
            cache.toString(),
            "--hf-endpoint",
            endpoint,
            "--out",
            dir.resolve("downloaded").toString());
    Path models = dir.resolve("models");
    Files.createDirectories(models.resolve("runwayml"));
    Files.createSymbolicLink(models.resolve(REPO), MODEL.toAbsolutePath());
    CliRun local =
        CliRun.of(
            "generate",
            task().toString(),
            "--models",
            models.toString(),
            "--out",
            dir.resolve("local").toString());

    assertThat(downloaded.exitCode()).as(downloaded.err()).isZero();
    assertThat(downloaded.err()).contains("downloading model " + REPO + " unet/");
    assertThat(Path.of(downloaded.lastLine())).hasSameBinaryContentAs(Path.of(local.lastLine()));

    hub.stop(0);
    CliRun offline =
        CliRun.of(
            "generate",
            task().toString(),
            "--cache",
            cache.toString(),
            "--offline",
            "--out",
            dir.resolve("offline").toString());
    assertThat(offline.exitCode()).as(offline.err()).isZero();
  }

  @Test
  void offlineWithoutTheModelAndMissingFoldersAreNamed() throws IOException {
    CliRun offline =
        CliRun.of(
            "generate", task().toString(), "--cache", dir.resolve("c").toString(), "--offline");
    CliRun neither = CliRun.of("generate", task().toString());
    CliRun badSize =
        CliRun.of("generate", task().toString(), "--cache", dir.toString(), "--cache-size", "lots");

    assertThat(offline.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(offline.err())
        .contains("model " + REPO + " is not in a models folder nor in the download cache")
        .contains("offline");
    assertThat(neither.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(neither.err()).contains("--models DIR").contains("--cache DIR");
    assertThat(badSize.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(badSize.err()).contains("--cache-size must be a size");
  }

  @Test
  void cacheSizesAreReadInBinaryUnits() {
    assertThat(ModelsMixin.bytes("100G")).isEqualTo(100L << 30);
    assertThat(ModelsMixin.bytes("1.5g")).isEqualTo(3L << 29);
    assertThat(ModelsMixin.bytes("500MiB")).isEqualTo(500L << 20);
    assertThat(ModelsMixin.bytes("4096")).isEqualTo(4096);
    assertThatThrownBy(() -> ModelsMixin.bytes("0")).hasMessageContaining("more than 0");
  }
}
