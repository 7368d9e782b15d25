package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import network.hydrogen.engine.image.PngImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hydrogen generate}, {@code bench engine} and {@code dev} on the tiny reference model. */
class EngineCommandsTest {

  static final Path REFERENCE = Path.of("../engine/src/test/resources/engine-reference/sd15");
  static final Path LORA_REFERENCE =
      Path.of("../engine/src/test/resources/engine-reference/sd15-lora");

  static final Path CONTROLNET_REFERENCE =
      Path.of("../engine/src/test/resources/engine-reference/sd15-controlnet");

  @TempDir Path dir;

  private Path models() throws IOException {
    Path models = dir.resolve("models");
    Files.createDirectories(models.resolve("runwayml"));
    Files.createSymbolicLink(
        models.resolve("runwayml/stable-diffusion-v1-5"),
        REFERENCE.resolve("model").toAbsolutePath());
    return models;
  }

  private Path task(String extra) throws IOException {
    return Files.writeString(
        dir.resolve("task.json"),
        """
        {"base_model": "runwayml/stable-diffusion-v1-5", "prompt": "a red fox in the snow",
         "negative_prompt": "blurry",
         "task_config": {"num_images": 2, "steps": 3, "seed": 9, "cfg": 6,
                         "image_width": 64, "image_height": 64}%s}
        """
            .formatted(extra));
  }

  /** {@code hydrogen generate} of the two-image task on the reference model, with {@code more}. */
  private CliRun generate(String... more) throws IOException {
    List<String> args =
        new ArrayList<>(List.of("generate", task("").toString(), "--models", models().toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void generateWritesOnePngPerImageWithItsParameters() throws IOException {
    Path out = dir.resolve("out");

    CliRun run = generate("--out", out.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> files = run.out().strip().lines().toList();
    assertThat(files).hasSize(2);
    for (int i = 0; i < 2; i++) {
      String seed = "Seed: " + (9 + i);
      Path png = Path.of(files.get(i));
      assertThat(png.getParent()).isEqualTo(out);
      try (InputStream in = Files.newInputStream(png)) {
        assertThat(PngImages.readParameters(in))
            .hasValueSatisfying(
                text -> assertThat(text).startsWith("a red fox in the snow").contains(seed));
      }
    }
    assertThat(run.err()).contains("step 3/3");
  }

  @Test
  void generateDumpsTheIntermediateTensorsWithAnIndex() throws IOException {
    Path dump = dir.resolve("dump");

    CliRun run = generate("--out", dir.resolve("out").toString(), "--dump", dump.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode index = new ObjectMapper().readTree(dump.resolve("index.json").toFile());
    assertThat(index.fieldNames())
        .toIterable()
        .containsExactly(
            "text_embeddings.cond",
            "text_embeddings.uncond",
            "unet_out.step0",
            "final_latents",
            "image");
    // two images, guided: the first UNet call ran on a batch of four 4x8x8 latents
    assertThat(index.at("/unet_out.step0/shape").toString()).isEqualTo("[4,4,8,8]");
    assertThat(index.at("/image/shape").toString()).isEqualTo("[2,3,64,64]");
    assertThat(Files.size(dump.resolve("image.f32"))).isEqualTo(2L * 3 * 64 * 64 * Float.BYTES);
  }

  @Test
  void generateNamesAModelThatIsNotInTheFolder() throws IOException {
    CliRun run =
        CliRun.of("generate", task("").toString(), "--models", dir.resolve("empty").toString());

    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err())
        .contains("model runwayml/stable-diffusion-v1-5 is not in the models folder");
  }

  @Test
  void generateAppliesTheTaskVaeAndNamesOneThatIsNotInTheFolder() throws IOException {
    Path models = models();
    Files.createDirectories(models.resolve("stabilityai"));
    Files.createSymbolicLink(
        models.resolve("stabilityai/sd-vae-ft-mse"),
        REFERENCE.resolve("model/vae").toAbsolutePath());
    String vae = ", \"vae\": \"stabilityai/sd-vae-ft-mse\"";

    CliRun run =
        CliRun.of(
            "generate",
            task(vae).toString(),
            "--models",
            models.toString(),
            "--out",
            dir.resolve("out").toString());
    CliRun missing =
        CliRun.of(
            "generate",
            task(", \"unet\": \"someone/unet\"").toString(),
            "--models",
            models.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().strip().lines()).hasSize(2);
    assertThat(missing.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(missing.err()).contains("UNet someone/unet is not in the models folder");
  }

  @Test
  void generateRunsTheTaskRefinerAfterTheBaseModel() throws IOException {
    Path engineReferences = REFERENCE.getParent();
    Path models = dir.resolve("models");
    Files.createDirectories(models.resolve("tiny"));
    Files.createSymbolicLink(
        models.resolve("tiny/sdxl"), engineReferences.resolve("sdxl/model").toAbsolutePath());
    Files.createSymbolicLink(
        models.resolve("tiny/refiner"),
        engineReferences.resolve("sdxl-refiner/model").toAbsolutePath());
    Path task =
        Files.writeString(
            dir.resolve("refiner-task.json"),
            """
            {"base_model": "tiny/sdxl", "prompt": "a red fox in the snow",
             "refiner": {"model": "tiny/refiner", "denoising_cutoff": 80, "steps": 10},
             "task_config": {"num_images": 1, "steps": 10, "seed": 9, "cfg": 5,
                             "image_width": 128, "image_height": 64}}
            """);
    Path dump = dir.resolve("dump");

    CliRun run =
        CliRun.of(
            "generate",
            task.toString(),
            "--models",
            models.toString(),
            "--out",
            dir.resolve("out").toString(),
            "--dump",
            dump.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().strip().lines()).hasSize(1);
    // 10 leading steps, cutoff 80%: 8 base steps then 2 refiner steps, counted as one run
    assertThat(run.err()).contains("step 8/10").contains("step 10/10");
    JsonNode index = new ObjectMapper().readTree(dump.resolve("index.json").toFile());
    assertThat(index.at("/time_ids/shape").toString()).isEqualTo("[2,6]");
    assertThat(index.at("/refiner.time_ids/shape").toString()).isEqualTo("[2,5]");
    assertThat(index.has("handover_latents")).isTrue();
  }

  @Test
  void generateRefusesARefinerThatIsABaseModel() throws IOException {
    CliRun run =
        CliRun.of(
            "generate",
            task(", \"refiner\": {\"model\": \"runwayml/stable-diffusion-v1-5\"}").toString(),
            "--models",
            models().toString());

    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("is no SDXL refiner");
  }

  @Test
  void generateAppliesTheTaskLoraAtItsWeight() throws IOException {
    Path models = models();
    Files.createDirectories(models.resolve("loras"));
    Files.copy(
        LORA_REFERENCE.resolve("lora/tiny_locon_kohya.safetensors"),
        models.resolve("loras/tiny.safetensors"));
    Path dump = dir.resolve("dump");

    CliRun run =
        CliRun.of(
            "generate",
            task(", \"lora\": {\"model\": \"loras/tiny\", \"weight\": 80}").toString(),
            "--models",
            models.toString(),
            "--out",
            dir.resolve("out").toString(),
            "--dump",
            dump.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    // the task's prompts are the LoRA reference's, so the text encoder's output is its golden one
    float[] cond = floats(dump.resolve("text_embeddings.cond.f32"));
    float[] golden = floats(LORA_REFERENCE.resolve("golden/cond.f32"));
    assertThat(cond).containsExactly(golden, offset(1e-4f));
  }

  /** The task's ControlNet (a models-folder entry) with the canny preprocessor at 70 %. */
  @Test
  void generateRunsTheTaskControlNet() throws IOException {
    Path models = models();
    Files.createDirectories(models.resolve("controlnets"));
    Files.createSymbolicLink(
        models.resolve("controlnets/tiny-canny"),
        CONTROLNET_REFERENCE.resolve("controlnet").toAbsolutePath());
    String image =
        Base64.getEncoder()
            .encodeToString(Files.readAllBytes(CONTROLNET_REFERENCE.resolve("golden/input.png")));
    String controlnet =
        ", \"controlnet\": {\"model\": \"controlnets/tiny-canny\", \"image_dataurl\":"
            + " \"data:image/png;base64,"
            + image
            + "\", \"preprocess\": {\"method\": \"%s\"}}";

    CliRun plain =
        CliRun.of(
            "generate",
            task("").toString(),
            "--models",
            models.toString(),
            "--out",
            dir.resolve("plain").toString());
    CliRun run =
        CliRun.of(
            "generate",
            task(controlnet.formatted("canny")).toString(),
            "--models",
            models.toString(),
            "--out",
            dir.resolve("out").toString());
    CliRun refused =
        CliRun.of(
            "generate",
            task(controlnet.formatted("lineart_anime")).toString(),
            "--models",
            models.toString(),
            "--out",
            dir.resolve("refused").toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(plain.exitCode()).as(plain.err()).isZero();
    List<String> files = run.out().lines().toList();
    assertThat(files).hasSize(2);
    byte[] controlled = Files.readAllBytes(Path.of(files.getFirst()));
    byte[] uncontrolled =
        Files.readAllBytes(Path.of(plain.out().lines().findFirst().orElseThrow()));
    assertThat(controlled).isNotEqualTo(uncontrolled);
    assertThat(refused.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(refused.err())
        .contains("annotators/netG.onnx")
        .contains("is not in the models folder")
        .contains("tools/annotators/");
  }

  @Test
  void generateNamesATextualInversionThatIsNotInTheFolder() throws IOException {
    CliRun run =
        CliRun.of(
            "generate",
            task(", \"textual_inversion\": \"sd-concepts-library/cat-toy\"").toString(),
            "--models",
            models().toString());

    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err())
        .contains("textual inversion sd-concepts-library/cat-toy is not in the models folder");
  }

  private static float[] floats(Path file) throws IOException {
    FloatBuffer buffer =
        ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[] values = new float[buffer.remaining()];
    buffer.get(values);
    return values;
  }

  @Test
  void parityPassesOnTheReferenceAndSaysSoLast() {
    CliRun run = CliRun.of("dev", "parity", "--reference", REFERENCE.toString(), "--threads", "1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.lastLine()).matches("\\d+ passed, 0 failed");
    assertThat(run.out()).contains("PASS single-file unet_call max_abs_err=");
  }

  @Test
  void parityOnAFolderWithoutReferenceIsBadInput() {
    CliRun run = CliRun.of("dev", "parity", "--reference", dir.toString());

    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("no golden/index.json");
  }

  @Test
  void benchPrintsTheFigures() {
    CliRun run =
        CliRun.of(
            "bench",
            "engine",
            "--model",
            REFERENCE.resolve("model").toString(),
            "--size",
            "64",
            "--steps",
            "2",
            "--threads",
            "1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains(
            "model load (s)",
            "seconds per UNet step",
            "seconds per image",
            "step time outside the UNet calls",
            "peak memory / weights");
  }

  @Test
  void benchLoraSwitchPrintsTheSwitchAgainstAColdLoad() {
    CliRun run =
        CliRun.of(
            "bench",
            "engine",
            "--model",
            REFERENCE.resolve("model").toString(),
            "--lora-switch",
            "--lora-rank",
            "4",
            "--threads",
            "1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains(
            "cold load with LoRA A (s)",
            "switch LoRA A -> B (s)",
            "x of cold)",
            "same LoRA again (s)")
        .containsPattern("sessions opened per switch / load +2 of 3");
    assertThat(
            CliRun.of("bench", "engine", "--model", "m", "--lora-switch", "--lora-rank", "0").err())
        .contains("--lora-rank must be at least 1, was 0");
  }

  @Test
  void randomCheckpointRefusesAnUnknownArchitecture() {
    CliRun run = CliRun.of("dev", "random-checkpoint", "--arch", "sd3", "--out", dir.toString());

    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("unknown architecture sd3; expected sd15, sd21, sdxl or tiny");
  }

  @Test
  void theTinyRandomCheckpointGeneratesImages() throws IOException {
    Path models = dir.resolve("models");
    CliRun written =
        CliRun.of(
            "dev",
            "random-checkpoint",
            "--arch",
            "tiny",
            "--out",
            models.resolve("runwayml/stable-diffusion-v1-5").toString());
    assertThat(written.exitCode()).as(written.err()).isZero();

    CliRun run =
        CliRun.of(
            "generate",
            task("").toString(),
            "--models",
            models.toString(),
            "--out",
            dir.resolve("out").toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> files = run.out().strip().lines().toList();
    assertThat(files).hasSize(2);
    for (String file : files) {
      assertThat(Path.of(file)).isNotEmptyFile();
    }
  }
}
