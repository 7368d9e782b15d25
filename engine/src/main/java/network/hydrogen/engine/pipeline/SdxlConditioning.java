package network.hydrogen.engine.pipeline;

import java.util.Arrays;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.TextEncoder;
import network.hydrogen.engine.tokenizer.ClipTokenizer;

/**
 * SDXL's text conditioning: both text encoders' penultimate hidden states (no final layer norm)
 * concatenated on the feature axis, first encoder first, and the second encoder's projected pooled
 * output; a missing negative prompt gives zeros when the model forces them. The SDXL refiner has
 * only the second encoder, whose penultimate hidden state alone is then the prompt embedding.
 */
public final class SdxlConditioning {

  /**
   * One prompt's conditioning.
   *
   * @param promptEmbeds [1, sequence, width 1 + width 2], the UNet's encoder hidden states
   * @param pooled [1, projection], the UNet's {@code text_embeds}
   */
  public record Embeddings(FloatTensor promptEmbeds, FloatTensor pooled) {}

  private final ClipTokenizer tokenizer;
  private final TextEncoder textEncoder;
  private final ClipTokenizer tokenizer2;
  private final TextEncoder textEncoder2;
  private final boolean forceZerosForEmptyPrompt;

  SdxlConditioning(
      ClipTokenizer tokenizer,
      TextEncoder textEncoder,
      ClipTokenizer tokenizer2,
      TextEncoder textEncoder2,
      boolean forceZerosForEmptyPrompt) {
    this.tokenizer = tokenizer;
    this.textEncoder = textEncoder;
    this.tokenizer2 = tokenizer2;
    this.textEncoder2 = textEncoder2;
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
   * second (the refiner's only encoder).
   */
  public Embeddings encode(String prompt, String prompt2) {
    TextEncoder.Output second =
        textEncoder2.encode(new int[][] {tokenizer2.encode(prompt2 == null ? prompt : prompt2)});
    if (textEncoder == null) {
      return new Embeddings(second.penultimateHiddenState(), second.pooled());
    }
    TextEncoder.Output first = textEncoder.encode(new int[][] {tokenizer.encode(prompt)});
    FloatTensor a = first.penultimateHiddenState();
    FloatTensor b = second.penultimateHiddenState();
    int sequence = (int) a.dim(1);
    int widthA = (int) a.dim(2);
    int widthB = (int) b.dim(2);
    float[] joined = new float[sequence * (widthA + widthB)];
    for (int t = 0; t < sequence; t++) {
      System.arraycopy(a.values(), t * widthA, joined, t * (widthA + widthB), widthA);
      System.arraycopy(b.values(), t * widthB, joined, t * (widthA + widthB) + widthA, widthB);
    }
    return new Embeddings(
        new FloatTensor(new long[] {1, sequence, widthA + widthB}, joined), second.pooled());
  }

  /**
   * The negative conditioning as the reference pipeline computes it: with no negative prompt
   * ({@code negativePrompt} null) zeros when the model forces them ({@code
   * force_zeros_for_empty_prompt}), else the encoded empty text; {@code negativePrompt2} null means
   * the same as {@code negativePrompt}.
   */
  public Embeddings encodeNegative(String negativePrompt, String negativePrompt2) {
    if (negativePrompt == null && forceZerosForEmptyPrompt) {
      long width =
          (textEncoder == null ? 0 : textEncoder.config().hiddenSize())
              + textEncoder2.config().hiddenSize();
      long pooled = textEncoder2.config().projectionDim();
      return new Embeddings(zeros(1, tokenizer2.maxLength(), width), zeros(1, pooled));
    }
    String negative = negativePrompt == null ? "" : negativePrompt;
    return encode(negative, negativePrompt2);
  }

  private static FloatTensor zeros(long... shape) {
    return new FloatTensor(
        shape, new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))]);
  }
}
