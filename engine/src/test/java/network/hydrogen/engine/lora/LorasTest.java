package network.hydrogen.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.SafeTensorsWriter;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.model.Tensor;
import network.hydrogen.engine.model.WeightSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA merging on the tiny SD 1.5 and SDXL models with generated LoRA files of other shapes and
 * namings than the references': the diffusers/peft naming without alpha, a 3x3 LoCon conv, SDXL's
 * kohya (SGM UNet paths, te1/te2) and peft namings of both text encoders, and the errors.
 */
class LorasTest {

  static final Path MODEL = Path.of("src/test/resources/engine-reference/sd15/model");
  static final Path SDXL_MODEL = Path.of("src/test/resources/engine-reference/sdxl/model");
  static final Path REFINER_MODEL =
      Path.of("src/test/resources/engine-reference/sdxl-refiner/model");
  static final Path SDXL_LORA =
      Path.of(
          "src/test/resources/engine-reference/sdxl-lora/lora/tiny_locon_sdxl_kohya.safetensors");
  static final String TO_Q = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
  static final String FC1 = "text_model.encoder.layers.1.mlp.fc1";
  static final String CONV1 = "down_blocks.0.resnets.0.conv1";

  static StableDiffusionModel model;

  @TempDir Path dir;

  @BeforeAll
  static void open() throws IOException {
    model = ModelFiles.open(MODEL);
  }

  @Test
  void peftNamedLoraWithoutAlphaAddsScaleTimesUpAtDown() throws IOException {
    long[] toQ = model.unet().weights().shape(TO_Q + ".weight");
    long[] fc1 = model.textEncoder().weights().shape(FC1 + ".weight");
    float[] aQ = random(3 * toQ[1], 1);
    float[] bQ = random(toQ[0] * 3, 2);
    float[] aFc = random(2 * fc1[1], 3);
    float[] bFc = random(fc1[0] * 2, 4);
    Path file =
        write(
            new SafeTensorsWriter()
                .add(tensor("unet." + TO_Q + ".lora_A.weight", aQ, 3, toQ[1]))
                .add(tensor("unet." + TO_Q + ".lora_B.weight", bQ, toQ[0], 3))
                .add(tensor("text_encoder." + FC1 + ".lora_A.weight", aFc, 2, fc1[1]))
                .add(tensor("text_encoder." + FC1 + ".lora_B.weight", bFc, fc1[0], 2)));

    StableDiffusionModel patched = Loras.apply(model, List.of(new Lora(LoraFile.open(file), 0.6)));

    // no alpha: alpha = rank, so the factor is the scale alone
    assertMerged(patched.unet().weights(), model.unet().weights(), TO_Q, bQ, aQ, 3, 0.6);
    assertMerged(
        patched.textEncoder().weights(), model.textEncoder().weights(), FC1, bFc, aFc, 2, 0.6);
    String untouched = TO_Q.replace("to_q", "to_k") + ".weight";
    assertThat(values(patched.unet().weights(), untouched))
        .containsExactly(values(model.unet().weights(), untouched));
    assertThat(patched.vae()).isSameAs(model.vae());
  }

  @Test
  void kohyaNamingWithAlphaEqualsPeftNamingAtTheSameFactor() throws IOException {
    long[] toQ = model.unet().weights().shape(TO_Q + ".weight");
    float[] down = random(4 * toQ[1], 5);
    float[] up = random(toQ[0] * 4, 6);
    String kohya = "lora_unet_" + TO_Q.replace('.', '_');
    Path kohyaFile =
        write(
            new SafeTensorsWriter()
                .add(tensor(kohya + ".lora_down.weight", down, 4, toQ[1]))
                .add(tensor(kohya + ".lora_up.weight", up, toQ[0], 4))
                .add(tensor(kohya + ".alpha", new float[] {2f})));
    Path peftFile =
        write(
            new SafeTensorsWriter()
                .add(tensor("unet." + TO_Q + ".lora_A.weight", down, 4, toQ[1]))
                .add(tensor("unet." + TO_Q + ".lora_B.weight", up, toQ[0], 4)));

    WeightSource viaKohya =
        Loras.apply(model, List.of(new Lora(LoraFile.open(kohyaFile), 1.0))).unet().weights();
    WeightSource viaPeft =
        Loras.apply(model, List.of(new Lora(LoraFile.open(peftFile), 0.5))).unet().weights();

    assertThat(values(viaKohya, TO_Q + ".weight"))
        .containsExactly(values(viaPeft, TO_Q + ".weight"));
  }

  @Test
  void sdxlKohyaNamesWithSgmUnetPathsEqualPeftNamesOnBothTextEncoders() throws IOException {
    StableDiffusionModel sdxl = ModelFiles.open(SDXL_MODEL);
    String toQ = "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q";
    String conv1 = "down_blocks.0.resnets.0.conv1";
    String q = "text_model.encoder.layers.0.self_attn.q_proj";
    String fc1 = "text_model.encoder.layers.1.mlp.fc1";
    long[] toQShape = sdxl.unet().weights().shape(toQ + ".weight");
    long[] convShape = sdxl.unet().weights().shape(conv1 + ".weight");
    long[] qShape = sdxl.textEncoder().weights().shape(q + ".weight");
    long[] fc1Shape = sdxl.textEncoder2().weights().shape(fc1 + ".weight");
    float[] downQ = random(2 * toQShape[1], 21);
    float[] upQ = random(toQShape[0] * 2, 22);
    float[] downConv = random(2 * convShape[1] * 9, 23);
    float[] upConv = random(convShape[0] * 2, 24);
    float[] downTe1 = random(2 * qShape[1], 25);
    float[] upTe1 = random(qShape[0] * 2, 26);
    float[] downTe2 = random(2 * fc1Shape[1], 27);
    float[] upTe2 = random(fc1Shape[0] * 2, 28);
    SafeTensorsWriter kohya = new SafeTensorsWriter();
    addKohya(
        kohya,
        "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q",
        downQ,
        upQ,
        new long[] {2, toQShape[1]},
        new long[] {toQShape[0], 2});
    addKohya(
        kohya,
        "lora_unet_input_blocks_1_0_in_layers_2",
        downConv,
        upConv,
        new long[] {2, convShape[1], 3, 3},
        new long[] {convShape[0], 2, 1, 1});
    addKohya(
        kohya,
        "lora_te1_" + q.replace('.', '_'),
        downTe1,
        upTe1,
        new long[] {2, qShape[1]},
        new long[] {qShape[0], 2});
    addKohya(
        kohya,
        "lora_te2_" + fc1.replace('.', '_'),
        downTe2,
        upTe2,
        new long[] {2, fc1Shape[1]},
        new long[] {fc1Shape[0], 2});
    Path peftFile =
        write(
            new SafeTensorsWriter()
                .add(tensor("unet." + toQ + ".lora_A.weight", downQ, 2, toQShape[1]))
                .add(tensor("unet." + toQ + ".lora_B.weight", upQ, toQShape[0], 2))
                .add(tensor("unet." + conv1 + ".lora_A.weight", downConv, 2, convShape[1], 3, 3))
                .add(tensor("unet." + conv1 + ".lora_B.weight", upConv, convShape[0], 2, 1, 1))
                .add(
                    tensor(
                        "text_encoder.encoder.layers.0.self_attn.q_proj.lora_A.weight",
                        downTe1,
                        2,
                        qShape[1]))
                .add(
                    tensor(
                        "text_encoder.encoder.layers.0.self_attn.q_proj.lora_B.weight",
                        upTe1,
                        qShape[0],
                        2))
                .add(tensor("text_encoder_2." + fc1 + ".lora_A.weight", downTe2, 2, fc1Shape[1]))
                .add(tensor("text_encoder_2." + fc1 + ".lora_B.weight", upTe2, fc1Shape[0], 2)));

    // kohya alpha 1 of rank 2 at scale 1.0 is the factor of peft (alpha = rank) at scale 0.5
    StableDiffusionModel viaKohya =
        Loras.apply(sdxl, List.of(new Lora(LoraFile.open(write(kohya)), 1.0)));
    StableDiffusionModel viaPeft =
        Loras.apply(sdxl, List.of(new Lora(LoraFile.open(peftFile), 0.5)));

    assertMerged(viaKohya.unet().weights(), sdxl.unet().weights(), toQ, upQ, downQ, 2, 0.5);
    assertMerged(viaKohya.unet().weights(), sdxl.unet().weights(), conv1, upConv, downConv, 2, 0.5);
    assertMerged(
        viaKohya.textEncoder().weights(), sdxl.textEncoder().weights(), q, upTe1, downTe1, 2, 0.5);
    assertMerged(
        viaKohya.textEncoder2().weights(),
        sdxl.textEncoder2().weights(),
        fc1,
        upTe2,
        downTe2,
        2,
        0.5);
    for (String module : List.of(toQ, conv1)) {
      assertThat(values(viaPeft.unet().weights(), module + ".weight"))
          .containsExactly(values(viaKohya.unet().weights(), module + ".weight"));
    }
    assertThat(values(viaPeft.textEncoder().weights(), q + ".weight"))
        .containsExactly(values(viaKohya.textEncoder().weights(), q + ".weight"));
    assertThat(values(viaPeft.textEncoder2().weights(), fc1 + ".weight"))
        .containsExactly(values(viaKohya.textEncoder2().weights(), fc1 + ".weight"));
    assertThat(viaKohya.tokenizer2()).isEqualTo(sdxl.tokenizer2());
  }

  @Test
  void aSecondTextEncoderLoraOnAModelWithoutOneIsNamedInTheError() throws IOException {
    long[] fc1 = model.textEncoder().weights().shape(FC1 + ".weight");
    String stem = "lora_te2_" + FC1.replace('.', '_');
    Path file =
        write(
            new SafeTensorsWriter()
                .add(tensor(stem + ".lora_down.weight", random(2 * fc1[1], 7), 2, fc1[1]))
                .add(tensor(stem + ".lora_up.weight", random(fc1[0] * 2, 8), fc1[0], 2)));

    assertThatThrownBy(() -> Loras.apply(model, List.of(new Lora(LoraFile.open(file), 1.0))))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(stem);
  }

  @Test
  void onTheRefinerABaseLoraPatchesTheSharedTextEncoderAndAUnetOnlyOneNothing() throws IOException {
    StableDiffusionModel refiner = ModelFiles.open(REFINER_MODEL);
    Lora base = new Lora(LoraFile.open(SDXL_LORA), 0.8);
    String fc1 = "text_model.encoder.layers.0.mlp.fc1.weight";

    StableDiffusionModel patched = Loras.applyWhereFits(refiner, List.of(base));

    assertThat(patched.unet()).isSameAs(refiner.unet());
    assertThat(patched.vae()).isSameAs(refiner.vae());
    assertThat(values(patched.textEncoder2().weights(), fc1))
        .isNotEqualTo(values(refiner.textEncoder2().weights(), fc1));
    assertThat(values(patched.textEncoder2().weights(), fc1))
        .containsExactly(
            values(
                Loras.apply(ModelFiles.open(SDXL_MODEL), List.of(base)).textEncoder2().weights(),
                fc1));
    long[] toQ = model.unet().weights().shape(TO_Q + ".weight");
    Path unetOnly =
        write(
            new SafeTensorsWriter()
                .add(tensor("unet." + TO_Q + ".lora_A.weight", random(2 * toQ[1], 9), 2, toQ[1]))
                .add(tensor("unet." + TO_Q + ".lora_B.weight", random(toQ[0] * 2, 10), toQ[0], 2)));
    StableDiffusionModel untouched =
        Loras.applyWhereFits(refiner, List.of(new Lora(LoraFile.open(unetOnly), 1)));
    assertThat(untouched.unet()).isSameAs(refiner.unet());
    assertThat(untouched.textEncoder2()).isSameAs(refiner.textEncoder2());
  }

  private static void addKohya(
      SafeTensorsWriter writer,
      String stem,
      float[] down,
      float[] up,
      long[] downShape,
      long[] upShape) {
    writer
        .add(tensor(stem + ".lora_down.weight", down, downShape))
        .add(tensor(stem + ".lora_up.weight", up, upShape))
        .add(tensor(stem + ".alpha", new float[] {1f}));
  }

  @Test
  void twoLorasOnOneModuleAddUpEachAtItsScale() throws IOException {
    long[] toQ = model.unet().weights().shape(TO_Q + ".weight");
    float[] down = random(2 * toQ[1], 9);
    float[] up = random(toQ[0] * 2, 10);
    Path file =
        write(
            new SafeTensorsWriter()
                .add(tensor("unet." + TO_Q + ".lora_A.weight", down, 2, toQ[1]))
                .add(tensor("unet." + TO_Q + ".lora_B.weight", up, toQ[0], 2)));
    LoraFile lora = LoraFile.open(file);

    WeightSource twice =
        Loras.apply(model, List.of(new Lora(lora, 0.25), new Lora(lora, 0.5))).unet().weights();

    assertMerged(twice, model.unet().weights(), TO_Q, up, down, 2, 0.75);
    WeightSource same =
        Loras.apply(model, List.of(new Lora(lora, 0.5), new Lora(lora, 0.5))).unet().weights();
    assertMerged(same, model.unet().weights(), TO_Q, up, down, 2, 1.0);
  }

  @Test
  void loconConvDownKeepsTheKernelAndUpIsOneByOne() throws IOException {
    long[] conv = model.unet().weights().shape(CONV1 + ".weight");
    long in = conv[1] * conv[2] * conv[3];
    float[] down = random(2 * in, 7);
    float[] up = random(conv[0] * 2, 8);
    String kohya = "lora_unet_" + CONV1.replace('.', '_');
    Path file =
        write(
            new SafeTensorsWriter()
                .add(tensor(kohya + ".lora_down.weight", down, 2, conv[1], conv[2], conv[3]))
                .add(tensor(kohya + ".lora_up.weight", up, conv[0], 2, 1, 1))
                .add(tensor(kohya + ".alpha", new float[] {1.5f})));

    StableDiffusionModel patched = Loras.apply(model, List.of(new Lora(LoraFile.open(file), 0.8)));

    assertThat(patched.unet().weights().shape(CONV1 + ".weight")).containsExactly(conv);
    assertMerged(
        patched.unet().weights(), model.unet().weights(), CONV1, up, down, 2, 0.8 * 1.5 / 2);
  }

  @Test
  void modulesOfAnotherModelAreNamedInTheError() throws IOException {
    Path file =
        write(
            new SafeTensorsWriter()
                .add(
                    tensor(
                        "lora_unet_single_transformer_blocks_0_attn_to_q.lora_down.weight",
                        new float[4],
                        1,
                        4))
                .add(
                    tensor(
                        "lora_unet_single_transformer_blocks_0_attn_to_q.lora_up.weight",
                        new float[4],
                        4,
                        1)));
    Lora lora = new Lora(LoraFile.open(file), 1);

    assertThatThrownBy(() -> Loras.apply(model, List.of(lora)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("1 LoRA modules that match no module")
        .hasMessageContaining("lora_unet_single_transformer_blocks_0_attn_to_q");
  }

  @Test
  void aModuleThatDoesNotFitItsWeightIsAnError() throws IOException {
    String kohya = "lora_unet_" + TO_Q.replace('.', '_');
    Path file =
        write(
            new SafeTensorsWriter()
                .add(tensor(kohya + ".lora_down.weight", new float[7], 1, 7))
                .add(tensor(kohya + ".lora_up.weight", new float[5], 5, 1)));
    Lora lora = new Lora(LoraFile.open(file), 1);

    assertThatThrownBy(() -> Loras.apply(model, List.of(lora)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("does not fit " + TO_Q + ".weight");
  }

  @Test
  void filesOfOtherNetworkTypesOrHalfModulesAreRefused() throws IOException {
    Path loha =
        write(new SafeTensorsWriter().add(tensor("lora_unet_x.hada_w1_a", new float[4], 2, 2)));
    Path half =
        write(
            new SafeTensorsWriter()
                .add(tensor("lora_unet_x.lora_down.weight", new float[4], 2, 2)));

    assertThatThrownBy(() -> LoraFile.open(loha))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("no LoRA down/up/alpha part")
        .hasMessageContaining("lora_unet_x.hada_w1_a");
    assertThatThrownBy(() -> LoraFile.open(half))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("module lora_unet_x lacks its up matrix");
  }

  /** Checks {@code patched = base + factor · up @ down} for one module, in double precision. */
  private static void assertMerged(
      WeightSource patched,
      WeightSource base,
      String module,
      float[] up,
      float[] down,
      int rank,
      double factor)
      throws IOException {
    float[] w = values(base, module + ".weight");
    float[] merged = values(patched, module + ".weight");
    int out = (int) base.shape(module + ".weight")[0];
    int columns = w.length / out;
    assertThat(merged).hasSameSizeAs(w);
    for (int o = 0; o < out; o++) {
      for (int c = 0; c < columns; c++) {
        double delta = 0;
        for (int r = 0; r < rank; r++) {
          delta += (double) up[o * rank + r] * down[r * columns + c];
        }
        assertThat((double) merged[o * columns + c])
            .isCloseTo(w[o * columns + c] + factor * delta, within(1e-5));
      }
    }
    assertThat(merged).isNotEqualTo(w);
  }

  private Path write(SafeTensorsWriter writer) throws IOException {
    Path file = dir.resolve("lora" + System.nanoTime() + ".safetensors");
    writer.write(file);
    return file;
  }

  private static float[] values(WeightSource weights, String name) throws IOException {
    var buffer = weights.tensor(name).toFloat32();
    float[] values = new float[buffer.remaining()];
    buffer.get(values);
    return values;
  }

  private static float[] random(long count, long seed) {
    Random random = new Random(seed);
    float[] values = new float[(int) count];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian() * 0.1f;
    }
    return values;
  }

  static Tensor tensor(String name, float[] values, long... shape) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return new Tensor(name, DType.F32, shape, bytes);
  }
}
