package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Loading the tiny SDXL refiner reference: a diffusers folder with only {@code text_encoder_2} and
 * {@code tokenizer_2}, a four-level UNet with five aesthetic time ids, and its SGM single file
 * whose only embedder (0) is OpenCLIP.
 */
class RefinerModelFilesTest {

  static final Path REFINER = Path.of("src/test/resources/engine-reference/sdxl-refiner");
  static final Path FOLDER = REFINER.resolve("model");
  static final Path SINGLE_FILE = REFINER.resolve("model.safetensors");

  @Test
  void folderHasOnlyTheSecondTextEncoderAndAnAestheticUNet() throws IOException {
    StableDiffusionModel model = ModelFiles.open(FOLDER);

    assertThat(model.family()).isEqualTo(ModelFamily.SDXL);
    assertThat(model.isSdxl()).isTrue();
    assertThat(model.isRefiner()).isTrue();
    assertThat(model.requiresAestheticsScore()).isTrue();
    assertThat(model.forceZerosForEmptyPrompt()).isFalse();
    assertThat(model.textEncoder()).isNull();
    assertThat(model.tokenizer()).isNull();
    assertThat(model.textEncoder2().config().withProjection()).isTrue();
    assertThat(model.tokenizer2()).isEqualTo(FOLDER.resolve("tokenizer_2"));
    UNetConfig unet = model.unet().config();
    assertThat(unet.blockOutChannels()).hasSize(4);
    assertThat(unet.additionTimeEmbedDim()).isEqualTo(8);
    // pooled 48 + 5 time ids x 8
    assertThat(unet.projectionClassEmbeddingsInputDim()).isEqualTo(48 + 5 * 8);
  }

  @Test
  void baseModelsAreNoRefiners() throws IOException {
    StableDiffusionModel base = ModelFiles.open(SdxlModelFilesTest.FOLDER);

    assertThat(base.isRefiner()).isFalse();
    assertThat(base.requiresAestheticsScore()).isFalse();
  }

  @Test
  void singleFileHoldsTheFolderTensors() throws IOException {
    StableDiffusionModel folder = ModelFiles.open(FOLDER);
    StableDiffusionModel single = ModelFiles.open(SINGLE_FILE, FOLDER);

    assertThat(single.isRefiner()).isTrue();
    int compared =
        WeightsAssert.sameTensors(folder.textEncoder2().weights(), single.textEncoder2().weights())
            + WeightsAssert.sameTensors(folder.unet().weights(), single.unet().weights())
            + WeightsAssert.sameTensors(folder.vae().weights(), single.vae().weights());
    assertThat(compared)
        .isEqualTo(
            folder.textEncoder2().weights().names().size()
                + folder.unet().weights().names().size()
                + folder.vae().weights().names().size());
  }

  @Test
  void singleFileAloneIsCheckedAgainstTheStandardRefinerConfigs() {
    assertThatThrownBy(() -> ModelFiles.open(SINGLE_FILE))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(SINGLE_FILE.toString())
        .hasMessageContaining("conditioner.embedders.0.model.")
        .hasMessageContaining("but the config requires [49408, 1280]");
  }

  @Test
  void refinerAndBaseFilesAreRefusedWithTheOtherModelsConfigs() {
    assertThatThrownBy(() -> ModelFiles.open(SINGLE_FILE, SdxlModelFilesTest.FOLDER))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(
            "is an SDXL refiner (its only text encoder is OpenCLIP), but its configs describe an"
                + " SDXL base model");
    assertThatThrownBy(() -> ModelFiles.open(SdxlModelFilesTest.SINGLE_FILE, FOLDER))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(
            "is an SDXL base checkpoint, but its configs describe an SDXL refiner");
  }
}
