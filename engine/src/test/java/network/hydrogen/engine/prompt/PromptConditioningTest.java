package network.hydrogen.engine.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.TextEncoder;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.tokenizer.ClipTokenizer;
import network.hydrogen.task.prompt.PromptSyntaxException;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compel's weighting rules re-computed from plain text encoder calls on the tiny SD 1.5 model, on
 * prompts other than the sd15-compel reference's: long prompts with weights, blends, conjunctions,
 * padding.
 */
class PromptConditioningTest {

  private static final Path MODEL = Path.of("src/test/resources/engine-reference/sd15/model");
  private static final int LENGTH = 77;
  private static final float ROUNDING = 1e-5f;

  /** 8 sentences of 12 tokens: 96 tokens, split after the 6th sentence's period (72 tokens). */
  private static final String LONG = "a red fox sits in the snow under tall pine trees. ".repeat(8);

  private static ClipTokenizer tokenizer;
  private static TextEncoder encoder;
  private static PromptConditioning prompts;
  private static int hidden;

  @BeforeAll
  static void load() throws IOException {
    StableDiffusionModel model = ModelFiles.open(MODEL);
    tokenizer = ClipTokenizer.load(model.tokenizer());
    encoder =
        TextEncoder.create(
            model.textEncoder().config(), model.textEncoder().weights(), new InferenceOptions(1));
    prompts = new PromptConditioning(tokenizer, encoder);
    hidden = model.textEncoder().config().hiddenSize();
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  @Test
  void aPlainPromptIsTheLastHiddenStateOfItsPaddedIds() {
    float[] plain = lastHiddenState(tokenizer.encode("a red fox in the snow"), null);

    FloatTensor conditioning = prompts.encode("a red fox in the snow");

    assertThat(conditioning.shape()).containsExactly(1, LENGTH, hidden);
    assertThat(conditioning.values()).containsExactly(plain);
    assertThat(prompts.emptyConditioning().values())
        .containsExactly(lastHiddenState(tokenizer.encode(""), null));
    assertThat(prompts.encode("").values()).containsExactly(prompts.emptyConditioning().values());
  }

  @Test
  void anUpWeightedFragmentMovesOnlyItsTokensAwayFromTheEmptyPrompt() {
    float[] plain = prompts.encode("a red fox in the snow").values();
    float[] empty = prompts.emptyConditioning().values();

    float[] weighted = prompts.encode("a (red fox)1.5 in the snow").values();

    // tokens 2 and 3 ("red", "fox") are scaled from the empty prompt; the others are untouched
    for (int t = 0; t < LENGTH; t++) {
      for (int d = 0; d < hidden; d++) {
        int i = t * hidden + d;
        float expected = t == 2 || t == 3 ? empty[i] + (plain[i] - empty[i]) * 1.5f : plain[i];
        assertThat(weighted[i]).as("token %d", t).isCloseTo(expected, Offset.offset(ROUNDING));
      }
    }
  }

  @Test
  void aLongPromptIsEncodedInChunksSplitAtASentenceEnd() {
    int[] tokens = tokenizer.tokens(LONG);
    assertThat(tokens).hasSize(96);

    FloatTensor conditioning = prompts.encode(LONG);

    assertThat(conditioning.shape()).containsExactly(1, 2 * LENGTH, hidden);
    int[] ids = prompts.tokenIds(network.hydrogen.task.prompt.PromptParser.parse(LONG));
    int[] first = chunk(Arrays.copyOfRange(tokens, 0, 72));
    int[] second = chunk(Arrays.copyOfRange(tokens, 72, 96));
    assertThat(Arrays.copyOfRange(ids, 0, LENGTH)).containsExactly(first);
    assertThat(Arrays.copyOfRange(ids, LENGTH, 2 * LENGTH)).containsExactly(second);
    float[] expected = concat(lastHiddenState(first, null), lastHiddenState(second, null));
    assertClose(conditioning.values(), expected, ROUNDING);
  }

  @Test
  void weightsApplyInTheChunkTheirTokensFallIn() {
    float[] plain = prompts.encode(LONG).values();
    float[] empty = prompts.emptyConditioning().values();
    String weightedText =
        LONG.substring(0, LONG.lastIndexOf("snow"))
            + "(snow)1.4"
            + LONG.substring(LONG.lastIndexOf("snow") + 4);

    float[] weighted = prompts.encode(weightedText).values();

    assertThat(weighted).hasSameSizeAs(plain);
    int position = LENGTH + lastSnowInSecondChunk();
    for (int t = 0; t < 2 * LENGTH; t++) {
      for (int d = 0; d < hidden; d++) {
        int i = t * hidden + d;
        float e = empty[(t % LENGTH) * hidden + d];
        float expected = t == position ? e + (plain[i] - e) * 1.4f : plain[i];
        assertThat(weighted[i]).as("token %d", t).isCloseTo(expected, Offset.offset(ROUNDING));
      }
    }
  }

  @Test
  void aDownWeightedFragmentOfALongPromptLerpsTowardsItsMaskedEncoding() {
    int[] tokens = tokenizer.tokens(LONG);
    String downWeighted =
        LONG.substring(0, LONG.lastIndexOf("snow"))
            + "(snow)0.5"
            + LONG.substring(LONG.lastIndexOf("snow") + 4);
    int[] second = chunk(Arrays.copyOfRange(tokens, 72, 96));
    long[] mask = new long[LENGTH];
    Arrays.fill(mask, 1);
    int snow = lastSnowInSecondChunk();
    mask[snow] = 0;
    float[] empty = prompts.emptyConditioning().values();
    float[] z = lastHiddenState(second, null);
    float[] masked = lastHiddenState(second, mask);
    // weight 0.5: lerp weight tan(pi / 4) = 1, so the mean of both, each with "snow" scaled by 0.5
    float[] expectedSecond = new float[z.length];
    for (int i = 0; i < z.length; i++) {
      float a = z[i];
      float b = masked[i];
      if (i / hidden == snow) {
        float e = empty[i];
        a = e + (a - e) * 0.5f;
        b = e + (b - e) * 0.5f;
      }
      expectedSecond[i] = (a + b) / 2;
    }

    float[] conditioning = prompts.encode(downWeighted).values();

    float[] plain = prompts.encode(LONG).values();
    assertClose(
        Arrays.copyOfRange(conditioning, 0, LENGTH * hidden),
        Arrays.copyOfRange(plain, 0, LENGTH * hidden),
        ROUNDING);
    assertClose(
        Arrays.copyOfRange(conditioning, LENGTH * hidden, 2 * LENGTH * hidden),
        expectedSecond,
        ROUNDING);
    // masking "snow" changes the tokens after it in the chunk, not those before it
    assertThat(Arrays.copyOfRange(masked, 0, snow * hidden))
        .containsExactly(Arrays.copyOfRange(z, 0, snow * hidden));
    assertThat(max(diff(masked, z))).isGreaterThan(1e-3f);
  }

  @Test
  void aBlendOfPromptsOfDifferentLengthsPadsTheShorterWithTheEmptyPrompt() {
    float[] fox = prompts.encode("a red fox").values();
    float[] forest = prompts.encode(LONG).values();
    float[] paddedFox = concat(fox, prompts.emptyConditioning().values());

    FloatTensor blend = prompts.encode("(\"a red fox\", \"" + LONG.strip() + "\").blend(3, 1)");

    assertThat(blend.shape()).containsExactly(1, 2 * LENGTH, hidden);
    float[] expected = new float[forest.length];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = paddedFox[i] * 0.75f + forest[i] * 0.25f;
    }
    assertClose(blend.values(), expected, ROUNDING);
  }

  @Test
  void aConjunctionConcatenatesItsTermsAndScalesAWeightedTermFromTheEmptyPrompt() {
    float[] fox = prompts.encode("a red fox").values();
    float[] forest = prompts.encode("a snowy forest").values();
    float[] empty = prompts.emptyConditioning().values();

    FloatTensor conjunction = prompts.encode("(\"a red fox\", \"a snowy forest\").and(1, 0.5)");

    assertThat(conjunction.shape()).containsExactly(1, 2 * LENGTH, hidden);
    float[] scaledForest = new float[forest.length];
    for (int i = 0; i < forest.length; i++) {
      scaledForest[i] = empty[i] + (forest[i] - empty[i]) * 0.5f;
    }
    assertClose(conjunction.values(), concat(fox, scaledForest), ROUNDING);
  }

  @Test
  void paddingAppendsTheEmptyPromptToTheShorterConditioning() {
    FloatTensor longPrompt = prompts.encode(LONG);
    FloatTensor negative = prompts.encode("blurry");

    List<FloatTensor> padded = prompts.padToSameLength(List.of(longPrompt, negative));

    assertThat(padded.get(0)).isSameAs(longPrompt);
    assertThat(padded.get(1).shape()).containsExactly(1, 2 * LENGTH, hidden);
    assertThat(padded.get(1).values())
        .containsExactly(concat(negative.values(), prompts.emptyConditioning().values()));
    assertThatThrownBy(
            () ->
                prompts.padToSameLength(
                    List.of(
                        longPrompt,
                        new FloatTensor(new long[] {1, 10, hidden}, new float[10 * hidden]))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a conditioning must be [1, 77 × n, " + hidden + "]");
  }

  @Test
  void badSyntaxIsRefusedWithItsPosition() {
    assertThatThrownBy(() -> prompts.encode("a (red fox in the snow"))
        .isInstanceOf(PromptSyntaxException.class);
  }

  @Test
  void anAllOnesAttentionMaskChangesNothingAndBadMasksAreRefused() {
    int[] ids = tokenizer.encode("a red fox");
    long[] ones = new long[LENGTH];
    Arrays.fill(ones, 1);

    assertThat(lastHiddenState(ids, ones)).containsExactly(lastHiddenState(ids, null));
    long[] two = ones.clone();
    two[3] = 2;
    assertThatThrownBy(() -> lastHiddenState(ids, two))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attention mask value 2 at row 0, position 3 is not 0 or 1");
    assertThatThrownBy(() -> lastHiddenState(ids, new long[5]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attention mask row 0 has 5 values, not 77");
  }

  /** The position of the long prompt's last "snow" in its second chunk (after BOS). */
  private static int lastSnowInSecondChunk() {
    int[] tokens = tokenizer.tokens(LONG);
    int snow = tokenizer.tokens("snow")[0];
    int last = tokens.length - 1;
    while (tokens[last] != snow) {
      last--;
    }
    return 1 + last - 72;
  }

  private static float[] lastHiddenState(int[] ids, long[] mask) {
    long[][] row = {Arrays.stream(ids).asLongStream().toArray()};
    return encoder
        .encode(row, mask == null ? null : new long[][] {mask})
        .lastHiddenState()
        .values();
  }

  /** BOS, the tokens, EOS, then padding to 77. */
  private static int[] chunk(int[] tokens) {
    int[] ids = new int[LENGTH];
    Arrays.fill(ids, tokenizer.padId());
    ids[0] = tokenizer.bosId();
    System.arraycopy(tokens, 0, ids, 1, tokens.length);
    ids[tokens.length + 1] = tokenizer.eosId();
    return ids;
  }

  private static float[] concat(float[] a, float[] b) {
    float[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static float[] diff(float[] a, float[] b) {
    float[] d = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = Math.abs(a[i] - b[i]);
    }
    return d;
  }

  private static float max(float[] values) {
    float max = 0;
    for (float v : values) {
      max = Math.max(max, v);
    }
    return max;
  }

  private static void assertClose(float[] actual, float[] expected, float tolerance) {
    assertThat(actual).hasSameSizeAs(expected);
    assertThat(max(diff(actual, expected))).isLessThanOrEqualTo(tolerance);
  }
}
