package network.hydrogen.engine.pipeline;

import java.util.Arrays;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.TextEncoder;
import network.hydrogen.engine.prompt.PromptConditioning;
import network.hydrogen.engine.tokenizer.ClipTokenizer;

/**
 * SDXL's text conditioning of prompts in Compel syntax, as compel's {@code CompelForSDXL} computes
 * it (and the seed network's {@code Compel} over both encoders with {@code
 * PENULTIMATE_HIDDEN_STATES_NON_NORMALIZED, requires_pooled=[False, True]}, where that runs): each
 * text encoder's penultimate hidden states (no final layer norm) weighted and chunked by its own
 * {@link PromptConditioning} (its own tokenizer, padding and empty encoding), concatenated on the
 * feature axis, first encoder first: [1, 77 × chunks, width 1 + width 2]. The pooled embedding is
 * the second encoder's projected pooled output of the prompt's raw text, truncated to 77 tokens and
 * unweighted (Compel syntax characters included; compel does the same, for blends and conjunctions
 * too). A plain prompt of up to 75 tokens gives exactly the reference pipeline's {@code
 * encode_prompt}. A missing negative prompt gives zeros when the model forces them. The SDXL
 * refiner has only the second encoder, whose conditioning alone is then the prompt embedding.
 */
public final class SdxlConditioning {

  /**
   * One prompt's conditioning.
   *
   * @param promptEmbeds [1, 77 × chunks, width 1 + width 2], the UNet's encoder hidden states
   * @param pooled [1, projection], the UNet's {@code text_embeds}
   */
  public record Embeddings(FloatTensor promptEmbeds, FloatTensor pooled) {

    /** The number of token positions of {@link #promptEmbeds}. */
    long tokens() {
      return promptEmbeds.dim(1);
    }
  }

  /** A prompt's and its negative prompt's conditioning, padded to one length for the UNet batch. */
  public record Guided(Embeddings cond, Embeddings uncond) {}

  private final PromptConditioning prompts;
  private final ClipTokenizer tokenizer2;
  private final TextEncoder textEncoder2;
  private final PromptConditioning prompts2;
  private final boolean forceZerosForEmptyPrompt;

  SdxlConditioning(
      ClipTokenizer tokenizer,
      TextEncoder textEncoder,
      ClipTokenizer tokenizer2,
      TextEncoder textEncoder2,
      boolean forceZerosForEmptyPrompt) {
    this.prompts =
        textEncoder == null
            ? null
            : new PromptConditioning(
                tokenizer, textEncoder, PromptConditioning.HiddenState.PENULTIMATE);
    this.tokenizer2 = tokenizer2;
    this.textEncoder2 = textEncoder2;
    this.prompts2 =
        new PromptConditioning(
            tokenizer2, textEncoder2, PromptConditioning.HiddenState.PENULTIMATE);
    this.forceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
  }

  /** The second tokenizer ({@code tokenizer_2}). */
  public ClipTokenizer tokenizer2() {
    return tokenizer2;
  }

  /** The second text encoder ({@code text_encoder_2}, with projection). */
  public TextEncoder textEncoder2() {
    return textEncoder2;
  }

  /**
   * Encodes {@code prompt} for the first encoder and {@code prompt2} (null: the same) for the
   * second (the refiner's only encoder), which also gives the pooled embedding.
   *
   * @throws network.hydrogen.task.prompt.PromptSyntaxException when a prompt is not valid Compel
   *     syntax
   */
  public Embeddings encode(String prompt, String prompt2) {
    String second = prompt2 == null ? prompt : prompt2;
    FloatTensor pooled = textEncoder2.encode(new int[][] {tokenizer2.encode(second)}).pooled();
    FloatTensor b = prompts2.encode(second);
    if (prompts == null) {
      return new Embeddings(b, pooled);
    }
    FloatTensor a = prompts.encode(prompt);
    long tokens = Math.max(a.dim(1), b.dim(1));
    return new Embeddings(joined(prompts.padTo(a, tokens), prompts2.padTo(b, tokens)), pooled);
  }

  /**
   * The negative conditioning as the reference pipeline computes it: with no negative prompt
   * ({@code negativePrompt} null) zeros when the model forces them ({@code
   * force_zeros_for_empty_prompt}), else the encoded empty text; {@code negativePrompt2} null means
   * the same as {@code negativePrompt}.
   */
  public Embeddings encodeNegative(String negativePrompt, String negativePrompt2) {
    if (negativePrompt == null && forceZerosForEmptyPrompt) {
      return zeros(tokenizer2.maxLength());
    }
    return encode(negativePrompt == null ? "" : negativePrompt, negativePrompt2);
  }

  /**
   * The prompt's and negative prompt's conditioning (see {@link #encode} and {@link
   * #encodeNegative}) padded to the longer one's length: an encoded one with copies of the empty
   * prompt's encoding (compel's padding), forced zeros with zeros (diffusers' {@code zeros_like}).
   */
  public Guided encodeGuided(
      String prompt, String prompt2, String negativePrompt, String negativePrompt2) {
    Embeddings cond = encode(prompt, prompt2);
    if (negativePrompt == null && forceZerosForEmptyPrompt) {
      return new Guided(cond, zeros(cond.tokens()));
    }
    Embeddings uncond = encodeNegative(negativePrompt, negativePrompt2);
    long tokens = Math.max(cond.tokens(), uncond.tokens());
    return new Guided(padTo(cond, tokens), padTo(uncond, tokens));
  }

  /** The empty prompt's encoding, [1, 77, width 1 + width 2]: what long conditionings pad with. */
  public FloatTensor emptyConditioning() {
    FloatTensor b = prompts2.emptyConditioning();
    return prompts == null ? b : joined(prompts.emptyConditioning(), b);
  }

  private Embeddings padTo(Embeddings embeddings, long tokens) {
    if (embeddings.tokens() == tokens) {
      return embeddings;
    }
    float[] empty = emptyConditioning().values();
    float[] values = embeddings.promptEmbeds().values();
    float[] padded =
        Arrays.copyOf(values, Math.toIntExact(tokens * embeddings.promptEmbeds().dim(2)));
    for (int at = values.length; at < padded.length; at += empty.length) {
      System.arraycopy(empty, 0, padded, at, empty.length);
    }
    long[] shape = embeddings.promptEmbeds().shape();
    shape[1] = tokens;
    return new Embeddings(new FloatTensor(shape, padded), embeddings.pooled());
  }

  /** Two [1, tokens, width] tensors side by side: [1, tokens, width a + width b]. */
  private static FloatTensor joined(FloatTensor a, FloatTensor b) {
    int sequence = (int) a.dim(1);
    int widthA = (int) a.dim(2);
    int widthB = (int) b.dim(2);
    float[] joined = new float[sequence * (widthA + widthB)];
    for (int t = 0; t < sequence; t++) {
      System.arraycopy(a.values(), t * widthA, joined, t * (widthA + widthB), widthA);
      System.arraycopy(b.values(), t * widthB, joined, t * (widthA + widthB) + widthA, widthB);
    }
    return new FloatTensor(new long[] {1, sequence, widthA + widthB}, joined);
  }

  private Embeddings zeros(long tokens) {
    long width = (prompts == null ? 0 : prompts.hiddenSize()) + textEncoder2.config().hiddenSize();
    long pooled = textEncoder2.config().projectionDim();
    return new Embeddings(zerosTensor(1, tokens, width), zerosTensor(1, pooled));
  }

  private static FloatTensor zerosTensor(long... shape) {
    return new FloatTensor(
        shape, new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))]);
  }
}
