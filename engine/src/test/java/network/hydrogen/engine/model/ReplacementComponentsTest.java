package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.VaeDecoder;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.GenerationRequest;
import network.hydrogen.engine.pipeline.TextToImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replacement VAEs and UNets on the tiny SD 1.5 reference model, made by perturbing its own weights
 * deterministically and written as diffusers folders and as a single LDM-keyed VAE file.
 */
class ReplacementComponentsTest {

  static final Path MODEL = Path.of("src/test/resources/engine-reference/sd15/model");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static StableDiffusionModel base;

  @BeforeAll
  static void openBase() throws IOException {
    base = ModelFiles.openFolder(MODEL, null);
  }

  private static GenerationRequest request() {
    return new GenerationRequest(
        "a red fox in the snow", "blurry", 64, 64, 3, 6, 11, 1, "EulerDiscreteScheduler", null);
  }

  private static GeneratedImages generate(StableDiffusionModel model) throws IOException {
    try (TextToImage pipeline = TextToImage.load(model, InferenceOptions.defaults())) {
      return pipeline.generate(request(), GenerationListener.none());
    }
  }

  /** The tensor's values scaled by 1 + 0.2 sin(i): different but of the same magnitude. */
  private static ByteBuffer perturbed(Tensor tensor) {
    FloatBuffer values = tensor.toFloat32();
    ByteBuffer out =
        ByteBuffer.allocate(values.remaining() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; values.hasRemaining(); i++) {
      out.putFloat(values.get() * (float) (1 + 0.2 * Math.sin(i + 1)));
    }
    return out.flip();
  }

  /**
   * Writes {@code parameters} of {@code weights}, perturbed, by diffusers names or (when {@code
   * original}) under their original LDM keys and shapes.
   */
  private static void writePerturbed(
      WeightSource weights, List<Parameter> parameters, boolean original, Path file)
      throws IOException {
    SafeTensorsWriter writer = new SafeTensorsWriter();
    for (Parameter parameter : parameters) {
      Tensor tensor = weights.tensor(parameter.name());
      long[] shape =
          original && parameter.origin() instanceof Parameter.Origin.Squeezed
              ? new long[] {tensor.shape()[0], tensor.shape()[1], 1, 1}
              : tensor.shape();
      String key = original ? originalKey(parameter) : parameter.name();
      writer.add(new Tensor(key, DType.F32, shape, perturbed(tensor)));
    }
    Files.createDirectories(file.getParent());
    writer.write(file);
  }

  private static String originalKey(Parameter parameter) {
    return switch (parameter.origin()) {
      case Parameter.Origin.Key key -> key.key();
      case Parameter.Origin.Squeezed squeezed -> squeezed.key();
      default -> throw new IllegalStateException("a VAE has no " + parameter.origin());
    };
  }

  private static ObjectNode config(String component) throws IOException {
    return (ObjectNode) JSON.readTree(MODEL.resolve(component).resolve("config.json").toFile());
  }

  private static Path vaeFolder(String name, ObjectNode config) throws IOException {
    Path folder = dir.resolve(name);
    writePerturbed(
        base.vae().weights(),
        ParameterLayout.vae(base.vae().config()),
        false,
        folder.resolve("diffusion_pytorch_model.safetensors"));
    JSON.writeValue(folder.resolve("config.json").toFile(), config);
    return folder;
  }

  private static Path vaeFile() throws IOException {
    Path file = dir.resolve("vae-ldm.safetensors");
    writePerturbed(base.vae().weights(), ParameterLayout.vae(base.vae().config()), true, file);
    return file;
  }

  private static float[] decodedDirectly(
      StableDiffusionModel.Component<VaeConfig> vae, float[] latents) throws IOException {
    float scale = (float) vae.config().scalingFactor();
    float[] unscaled = new float[latents.length];
    for (int i = 0; i < latents.length; i++) {
      unscaled[i] = latents[i] / scale;
    }
    try (VaeDecoder decoder =
        VaeDecoder.create(vae.config(), vae.weights(), InferenceOptions.defaults())) {
      float[] raw = decoder.decode(new FloatTensor(new long[] {1, 4, 8, 8}, unscaled)).values();
      float[] image = new float[raw.length];
      for (int i = 0; i < raw.length; i++) {
        image[i] = Math.min(1f, Math.max(0f, raw[i] / 2 + 0.5f));
      }
      return image;
    }
  }

  @Test
  void aReplacementVaeDecodesTheSameLatentsAsItsOwnDecoderWithItsScalingFactor()
      throws IOException {
    ObjectNode config = config("vae").put("scaling_factor", 0.25);
    StableDiffusionModel swapped =
        ReplacementComponents.withVae(base, vaeFolder("vae-scaled", config), null);

    GeneratedImages ownVae = generate(base);
    GeneratedImages replaced = generate(swapped);

    assertThat(swapped.vae().config().scalingFactor()).isEqualTo(0.25);
    assertThat(replaced.latents()).containsExactly(ownVae.latents());
    assertThat(replaced.images()).isNotEqualTo(ownVae.images());
    assertThat(replaced.images())
        .containsExactly(decodedDirectly(swapped.vae(), replaced.latents()));
  }

  @Test
  void aVaeFolderAnLdmKeyedFileAndADiffusersKeyedFileGiveTheSameImage() throws IOException {
    StableDiffusionModel fromFolder =
        ReplacementComponents.withVae(base, vaeFolder("vae", config("vae")), null);
    StableDiffusionModel fromFile = ReplacementComponents.withVae(base, vaeFile(), null);
    StableDiffusionModel fromDiffusersFile =
        ReplacementComponents.withVae(
            base, dir.resolve("vae/diffusion_pytorch_model.safetensors"), null);

    GeneratedImages folderImages = generate(fromFolder);

    assertThat(fromFile.vae().config()).isEqualTo(base.vae().config());
    assertThat(generate(fromFile).images()).containsExactly(folderImages.images());
    assertThat(generate(fromDiffusersFile).images()).containsExactly(folderImages.images());
    assertThat(folderImages.images())
        .containsExactly(decodedDirectly(fromFolder.vae(), folderImages.latents()));
  }

  @Test
  void refusesAVaeOfAnotherFamily() throws IOException {
    Path folder = dir.resolve("vae-16");
    Files.createDirectories(folder);
    JSON.writeValue(
        folder.resolve("config.json").toFile(), config("vae").put("latent_channels", 16));
    Path file = dir.resolve("vae-16.safetensors");
    new SafeTensorsWriter()
        .add(
            new Tensor(
                "decoder.conv_in.weight",
                DType.F32,
                new long[] {64, 16, 3, 3},
                ByteBuffer.allocate(64 * 16 * 9 * Float.BYTES)))
        .write(file);

    assertThatThrownBy(() -> ReplacementComponents.withVae(base, folder, null))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(folder.resolve("config.json").toString())
        .hasMessageContaining("16 latent channels, but the base model's VAE has 4");
    assertThatThrownBy(() -> ReplacementComponents.withVae(base, file, null))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("16 latent channels, but the base model's VAE has 4");
  }

  @Test
  void aSafeTensorsFileWhoseHeaderLengthStartsWithThePickleOpcodeIsReadAsSafeTensors()
      throws IOException {
    Path file = dir.resolve("vae-0x80.safetensors");
    StringBuilder padding = new StringBuilder();
    do {
      padding.append('x');
      new SafeTensorsWriter()
          .metadata("padding", padding.toString())
          .add(
              new Tensor(
                  "decoder.conv_in.weight",
                  DType.F32,
                  new long[] {64, 16, 3, 3},
                  ByteBuffer.allocate(64 * 16 * 9 * Float.BYTES)))
          .write(file);
    } while ((Files.readAllBytes(file)[0] & 0xff) != 0x80);

    assertThatThrownBy(() -> ReplacementComponents.withVae(base, file, null))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("16 latent channels");
  }

  @Test
  void refusesAFileThatIsNoVae() throws IOException {
    Path file = dir.resolve("not-a-vae.safetensors");
    new SafeTensorsWriter()
        .add(new Tensor("weight", DType.F32, new long[] {1}, ByteBuffer.allocate(4)))
        .write(file);

    assertThatThrownBy(() -> ReplacementComponents.withVae(base, file, null))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("is no VAE: it has no tensor decoder.conv_in.weight");
  }

  @Test
  void aReplacementUnetRunsAsTheSameModelWithThatUnetWould() throws IOException {
    Path unet = dir.resolve("unet");
    writePerturbed(
        base.unet().weights(),
        ParameterLayout.unet(base.unet().config()),
        false,
        unet.resolve("diffusion_pytorch_model.safetensors"));
    JSON.writeValue(unet.resolve("config.json").toFile(), config("unet"));
    Path wholeModel = dir.resolve("model-with-unet");
    Files.createDirectories(wholeModel);
    for (String part :
        List.of("model_index.json", "scheduler", "text_encoder", "tokenizer", "vae")) {
      Files.createSymbolicLink(wholeModel.resolve(part), MODEL.resolve(part).toAbsolutePath());
    }
    Files.createSymbolicLink(wholeModel.resolve("unet"), unet);

    GeneratedImages replaced = generate(ReplacementComponents.withUnet(base, unet, null));

    assertThat(replaced.latents()).isNotEqualTo(generate(base).latents());
    assertThat(replaced.images())
        .containsExactly(generate(ModelFiles.openFolder(wholeModel, null)).images());
  }

  @Test
  void refusesAUnetOfAnotherFamily() throws IOException {
    Path unet = dir.resolve("unet-sd2");
    Files.createDirectories(unet);
    JSON.writeValue(
        unet.resolve("config.json").toFile(),
        config("unet").put("cross_attention_dim", 1024).put("in_channels", 9));

    assertThatThrownBy(() -> ReplacementComponents.withUnet(base, unet, null))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(unet.resolve("config.json").toString())
        .hasMessageContaining("in_channels is 9 but the base model's UNet has 4")
        .hasMessageContaining("cross_attention_dim is 1024 but the base model's UNet has");
    assertThatThrownBy(() -> ReplacementComponents.withUnet(base, dir.resolve("x.bin"), null))
        .hasMessageContaining("a replacement UNet must be a diffusers UNet2DConditionModel folder");
  }
}
