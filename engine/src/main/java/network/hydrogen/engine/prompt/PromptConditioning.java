package network.hydrogen.engine.prompt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.TextEncoder;
import network.hydrogen.engine.tokenizer.ClipTokenizer;
import network.hydrogen.task.prompt.Blend;
import network.hydrogen.task.prompt.Conjunction;
import network.hydrogen.task.prompt.FlattenedPrompt;
import network.hydrogen.task.prompt.Fragment;
import network.hydrogen.task.prompt.Prompt;
import network.hydrogen.task.prompt.PromptParser;

/**
 * The text conditioning of a prompt in Compel syntax on one text encoder, as compel 2.4 computes it
 * with {@code truncate_long_prompts=False} and its defaults (down-weighting by masking, sentence
 * splitting without copying the first chunk's CLS token), on the encoder's last hidden state (SD
 * 1.x/2.x) or its penultimate one without the final layer norm (SDXL, compel's {@code
 * PENULTIMATE_HIDDEN_STATES_NON_NORMALIZED}; each SDXL encoder has its own): a token of weight w
 * moves to {@code empty + (z - empty) * w}, {@code empty} being the empty prompt's encoding; a
 * fragment of weight below 1 is also encoded with its tokens masked out and lerped towards that;
 * prompts longer than 75 tokens are encoded in chunks of 77 laid end to end, so the result is [1,
 * 77 × chunks, hidden]. Thread-safe when the encoder is.
 */
public final class PromptConditioning {

  /** compel's floor on a down-weight, keeping its lerp weight finite. */
  private static final double MIN_DOWN_WEIGHT = 1e-5;

  /** Which of the text encoder's outputs a conditioning is made of. */
  public enum HiddenState {
    /** The last hidden state after the final layer norm (SD 1.x/2.x). */
    LAST,
    /** The hidden state entering the last layer, without the final layer norm (SDXL). */
    PENULTIMATE
  }

  private final TokenChunker chunker;
  private final TextEncoder encoder;
  private final HiddenState hiddenState;
  private final int chunkLength;
  private volatile float[] empty;

  /** The SD 1.x/2.x conditioning: the last hidden state. */
  public PromptConditioning(ClipTokenizer tokenizer, TextEncoder encoder) {
    this(tokenizer, encoder, HiddenState.LAST);
  }

  public PromptConditioning(ClipTokenizer tokenizer, TextEncoder encoder, HiddenState hiddenState) {
    this.chunker = new TokenChunker(Objects.requireNonNull(tokenizer, "tokenizer"));
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.hiddenState = Objects.requireNonNull(hiddenState, "hiddenState");
    this.chunkLength = tokenizer.maxLength();
  }

  /**
   * The conditioning of {@code prompt}, [1, 77 × n, hidden].
   *
   * @throws network.hydrogen.task.prompt.PromptSyntaxException when it is not valid Compel syntax
   */
  public FloatTensor encode(String prompt) {
    return encode(PromptParser.parse(prompt));
  }

  /** The conditioning of a parsed prompt: its terms' conditionings along the token axis. */
  public FloatTensor encode(Conjunction conjunction) {
    List<float[]> parts = new ArrayList<>();
    int total = 0;
    for (Conjunction.Term term : conjunction.terms()) {
      float[] part = encodePrompt(term.prompt());
      if (term.weight() != 1) {
        part = scaleFromEmpty(part, (float) term.weight());
      }
      parts.add(part);
      total += part.length;
    }
    float[] all = new float[total];
    int at = 0;
    for (float[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return tensor(all);
  }

  /**
   * The token ids the conditioning of {@code conjunction} is computed from: each flattened prompt's
   * chunks in order (a blend's prompts one after the other).
   */
  public int[] tokenIds(Conjunction conjunction) {
    List<int[]> rows = new ArrayList<>();
    for (Conjunction.Term term : conjunction.terms()) {
      switch (term.prompt()) {
        case FlattenedPrompt flat -> rows.add(chunker.chunk(flat.fragments()).ids());
        case Blend blend ->
            blend.prompts().forEach(flat -> rows.add(chunker.chunk(flat.fragments()).ids()));
      }
    }
    return rows.stream().flatMapToInt(Arrays::stream).toArray();
  }

  /** The empty prompt's encoding, [1, 77, hidden]: BOS, EOS, then padding. */
  public FloatTensor emptyConditioning() {
    return tensor(empty().clone());
  }

  /**
   * The conditionings padded with copies of the empty prompt's encoding to the longest one's
   * length, as compel's {@code pad_conditioning_tensors_to_same_length} does for a prompt and its
   * negative prompt.
   *
   * @throws IllegalArgumentException when one is not [1, 77 × n, hidden] of this encoder
   */
  public List<FloatTensor> padToSameLength(List<FloatTensor> conditionings) {
    long longest = 0;
    for (FloatTensor c : conditionings) {
      if (c.rank() != 3
          || c.dim(0) != 1
          || c.dim(1) % chunkLength != 0
          || c.dim(2) != hiddenSize()) {
        throw new IllegalArgumentException(
            "a conditioning must be [1, " + chunkLength + " × n, " + hiddenSize() + "], was " + c);
      }
      longest = Math.max(longest, c.dim(1));
    }
    List<FloatTensor> padded = new ArrayList<>();
    for (FloatTensor c : conditionings) {
      padded.add(padTo(c, longest));
    }
    return padded;
  }

  /** {@code conditioning} [1, 77 × n, hidden] padded with copies of the empty prompt's encoding. */
  public FloatTensor padTo(FloatTensor conditioning, long tokens) {
    return conditioning.dim(1) == tokens
        ? conditioning
        : tensor(padWithEmpty(conditioning.values(), Math.toIntExact(tokens)));
  }

  private float[] encodePrompt(Prompt prompt) {
    return switch (prompt) {
      case FlattenedPrompt flat -> encodeFlattened(flat.fragments());
      case Blend blend -> encodeBlend(blend);
    };
  }

  /** compel's {@code _get_conditioning_for_blend}: padded to one length, summed with weights. */
  private float[] encodeBlend(Blend blend) {
    List<float[]> parts = new ArrayList<>();
    int longest = 0;
    for (FlattenedPrompt flat : blend.prompts()) {
      float[] part = encodeFlattened(flat.fragments());
      parts.add(part);
      longest = Math.max(longest, part.length);
    }
    float[] weights = new float[parts.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = blend.weights().get(i).floatValue();
      parts.set(i, padWithEmpty(parts.get(i), longest / hiddenSize()));
    }
    return weightedSum(parts, blend.normalizeWeights() ? normalized(weights) : weights);
  }

  /** compel's {@code get_embeddings_for_weighted_prompt_fragments} for one flattened prompt. */
  private float[] encodeFlattened(List<Fragment> fragments) {
    WeightedTokens tokens = chunker.chunk(fragments);
    List<float[]> variants = new ArrayList<>();
    List<Float> lerpWeights = new ArrayList<>();
    variants.add(weighted(tokens, tokens.mask()));
    lerpWeights.add(1f);
    int[][] ranges = null;
    for (int f = 0; f < fragments.size(); f++) {
      double weight = fragments.get(f).weight();
      if (weight >= 1) {
        continue;
      }
      if (ranges == null) {
        ranges = chunker.fragmentRanges(tokens.ids(), fragments);
      }
      if (ranges[f] == null) {
        continue; // no tokens to mask out
      }
      long[] mask = tokens.mask().clone();
      for (int i = ranges[f][0]; i <= ranges[f][1]; i++) {
        mask[i] = 0;
      }
      // the chunks' delimiting first and last positions stay visible
      for (int offset = 0; offset < mask.length; offset += chunkLength) {
        mask[offset] = 1;
        mask[offset + chunkLength - 1] = 1;
      }
      variants.add(weighted(tokens, mask));
      lerpWeights.add((float) Math.tan((1 - Math.max(MIN_DOWN_WEIGHT, weight)) * Math.PI / 2));
    }
    if (variants.size() == 1) {
      return variants.getFirst();
    }
    float[] weights = new float[lerpWeights.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = lerpWeights.get(i);
    }
    return weightedSum(variants, normalized(weights));
  }

  /**
   * Encodes every chunk under {@code mask}, then moves each token of weight w other than 1 to
   * {@code empty + (z - empty) * w}.
   */
  private float[] weighted(WeightedTokens tokens, long[] mask) {
    int chunks = tokens.chunks();
    long[][] ids = new long[chunks][];
    long[][] masks = new long[chunks][];
    for (int c = 0; c < chunks; c++) {
      ids[c] = tokens.idRow(c);
      masks[c] = tokens.maskRow(mask, c);
    }
    float[] z = hidden(encoder.encode(ids, masks)).values();
    float[] weights = tokens.weights();
    int hidden = hiddenSize();
    float[] emptyZ = null;
    for (int t = 0; t < weights.length; t++) {
      float w = weights[t];
      if (w == 1f) {
        continue;
      }
      emptyZ = emptyZ == null ? empty() : emptyZ;
      int position = (t % chunkLength) * hidden;
      for (int d = 0; d < hidden; d++) {
        float e = emptyZ[position + d];
        z[t * hidden + d] = e + (z[t * hidden + d] - e) * w;
      }
    }
    return z;
  }

  /** compel's conjunction weight: {@code e + (c - e) * w}, e the empty encoding repeated. */
  private float[] scaleFromEmpty(float[] conditioning, float weight) {
    float[] emptyZ = empty();
    float[] scaled = new float[conditioning.length];
    for (int i = 0; i < scaled.length; i++) {
      float e = emptyZ[i % emptyZ.length];
      scaled[i] = e + (conditioning[i] - e) * weight;
    }
    return scaled;
  }

  private float[] padWithEmpty(float[] conditioning, int tokens) {
    float[] emptyZ = empty();
    float[] padded = new float[tokens * hiddenSize()];
    System.arraycopy(conditioning, 0, padded, 0, conditioning.length);
    for (int at = conditioning.length; at < padded.length; at += emptyZ.length) {
      System.arraycopy(emptyZ, 0, padded, at, emptyZ.length);
    }
    return padded;
  }

  private static float[] normalized(float[] weights) {
    float sum = 0;
    for (float w : weights) {
      sum += w;
    }
    float[] out = new float[weights.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = weights[i] / sum;
    }
    return out;
  }

  private static float[] weightedSum(List<float[]> parts, float[] weights) {
    float[] sum = new float[parts.getFirst().length];
    for (int k = 0; k < parts.size(); k++) {
      float[] part = parts.get(k);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += part[i] * weights[k];
      }
    }
    return sum;
  }

  private float[] empty() {
    float[] z = empty;
    if (z == null) {
      long[] ids = chunker.chunk(List.of(new Fragment("", 1))).idRow(0);
      z = hidden(encoder.encode(new long[][] {ids})).values();
      empty = z;
    }
    return z;
  }

  private FloatTensor hidden(TextEncoder.Output output) {
    return hiddenState == HiddenState.LAST
        ? output.lastHiddenState()
        : output.penultimateHiddenState();
  }

  /** The width of this encoder's conditioning. */
  public int hiddenSize() {
    return encoder.config().hiddenSize();
  }

  private FloatTensor tensor(float[] values) {
    return new FloatTensor(new long[] {1, values.length / hiddenSize(), hiddenSize()}, values);
  }
}
