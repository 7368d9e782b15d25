package network.hydrogen.engine.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.SafeTensorsWriter;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.model.Tensor;
import network.hydrogen.engine.pipeline.Adapters;
import network.hydrogen.engine.pipeline.TextToImage;
import network.hydrogen.engine.tokenizer.ClipTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Textual inversion on the tiny SD 1.5 model with generated embeddings of other vector counts than
 * the reference's: an embedding whose vectors are copies of vocabulary rows must encode exactly
 * like the words whose rows it copied.
 */
class EmbeddingsTest {

  static final Path SD15 = Path.of("src/test/resources/engine-reference/sd15");
  static final Path TI = Path.of("src/test/resources/engine-reference/sd15-ti/embeddings");

  static StableDiffusionModel model;
  static ClipTokenizer tokenizer;

  @TempDir Path dir;

  @BeforeAll
  static void open() throws IOException {
    model = ModelFiles.open(SD15.resolve("model"));
    tokenizer = ClipTokenizer.load(model.tokenizer());
  }

  @Test
  void copiedVocabularyRowsEncodeLikeTheirWords() throws IOException {
    int[] words = tokenizer.encode("cat dog fox");
    assertThat(words[4]).as("three one-token words").isEqualTo(tokenizer.eosId());
    Path pair = dir.resolve("learned_embeds.safetensors");
    new SafeTensorsWriter().add(tensor("<pair>", rows(words[1], words[2]), 2, 32)).write(pair);
    Path solo = dir.resolve("solo-style.safetensors");
    new SafeTensorsWriter().add(tensor("emb_params", rows(words[3]), 1, 32)).write(solo);
    List<TextualInversion> embeddings =
        List.of(TextualInversion.read(pair, null), TextualInversion.read(solo, null));

    try (TextToImage pipeline =
        TextToImage.load(model, new InferenceOptions(1), new Adapters(List.of(), embeddings))) {
      assertThat(embeddings)
          .extracting(TextualInversion::token)
          .containsExactly("<pair>", "solo-style");
      int a = tokenizer.encode("a")[1];
      int and = tokenizer.encode("and")[1];
      assertThat(pipeline.tokenizer().encode("a <pair> and solo-style"))
          .startsWith(tokenizer.bosId(), a, 49408, 49409, and, 49410, tokenizer.eosId());
      assertThat(pipeline.tokenizer().encode("<pair>_1")).startsWith(tokenizer.bosId(), 49409);
      assertThat(pipeline.textEncoder().config().vocabSize()).isEqualTo(49411);
      assertThat(pipeline.encode("a <pair> and solo-style"))
          .containsExactly(pipeline.encode("a cat dog and fox"));
      assertThat(pipeline.encode("a <pair> and solo-style"))
          .isNotEqualTo(pipeline.encode("a dog cat and fox"));
    }
  }

  @Test
  void thePickledA1111FileHoldsTheVectorsOfItsSafetensorsTwin() throws IOException {
    TextualInversion pickled = TextualInversion.read(TI.resolve("fox-style.pt"), null);
    TextualInversion safetensors = TextualInversion.read(TI.resolve("fox-style.safetensors"), null);

    assertThat(pickled.token()).isEqualTo("fox-style");
    assertThat(pickled.count()).isEqualTo(3);
    assertThat(pickled.vectors()).isDeepEqualTo(safetensors.vectors());
  }

  @Test
  void aPickleThatWouldCallSomethingElseIsRefusedNotRun() throws IOException {
    String pickle =
        "\u0080\u0002}(X\u000f\u0000\u0000\u0000string_to_param}X\u0001\u0000\u0000\u0000*"
            + "cos\nsystem\nX\u0004\u0000\u0000\u0000true\u0085Rsu.";
    Path file = dir.resolve("evil.pt");
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("evil/data.pkl"));
      zip.write(pickle.getBytes(StandardCharsets.ISO_8859_1));
      zip.closeEntry();
    }

    assertThatThrownBy(() -> TextualInversion.read(file, null))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("the embedding is no torch tensor of a float storage");
  }

  @Test
  void embeddingsThatDoNotFitAreNamed() throws IOException {
    Path narrow = dir.resolve("narrow.safetensors");
    new SafeTensorsWriter().add(tensor("emb_params", new float[16], 1, 16)).write(narrow);
    Path twoKeys = dir.resolve("two.safetensors");
    new SafeTensorsWriter()
        .add(tensor("a", new float[32], 32))
        .add(tensor("b", new float[32], 32))
        .write(twoKeys);
    List<TextualInversion> narrowOne = List.of(TextualInversion.read(narrow, null));
    List<TextualInversion> known =
        List.of(new TextualInversion("<|endoftext|>", new float[][] {new float[32]}, narrow));

    assertThatThrownBy(() -> Embeddings.add(tokenizer, model.textEncoder(), narrowOne))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("has 16-wide vectors but the text encoder is 32 wide");
    assertThatThrownBy(() -> Embeddings.add(tokenizer, model.textEncoder(), known))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token '<|endoftext|>' is already in the tokenizer's vocabulary");
    assertThatThrownBy(() -> TextualInversion.read(twoKeys, null))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("is no textual inversion embedding");
  }

  /** The token embedding rows of {@code ids}, flattened. */
  private static float[] rows(int... ids) throws IOException {
    FloatBuffer matrix =
        model.textEncoder().weights().tensor(Embeddings.TOKEN_EMBEDDING).toFloat32();
    float[] rows = new float[ids.length * 32];
    for (int i = 0; i < ids.length; i++) {
      matrix.get(ids[i] * 32, rows, i * 32, 32);
    }
    return rows;
  }

  private static Tensor tensor(String name, float[] values, long... shape) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return new Tensor(name, DType.F32, shape, bytes);
  }
}
