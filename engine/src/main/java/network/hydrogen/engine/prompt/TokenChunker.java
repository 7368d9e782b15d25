package network.hydrogen.engine.prompt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import network.hydrogen.engine.tokenizer.ClipTokenizer;
import network.hydrogen.task.prompt.Fragment;

/**
 * Tokenizes a prompt's fragments as compel does with {@code truncate_long_prompts=False}: the
 * fragments' tokens laid end to end, cut into chunks of at most 75 tokens after the last sentence
 * end ({@code .}), else the last phrase end ({@code , . ; :}), else the last word end, each chunk
 * wrapped in BOS and EOS and padded to 77.
 */
final class TokenChunker {

  private static final String SENTENCE_END = ".</w>";
  private static final List<String> PHRASE_ENDS = List.of(".</w>", ",</w>", ";</w>", ":</w>");
  private static final String WORD_END = "</w>";

  private final ClipTokenizer tokenizer;

  TokenChunker(ClipTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The chunked ids of {@code fragments}, each token weighted with its fragment's weight. */
  WeightedTokens chunk(List<Fragment> fragments) {
    List<int[]> pieces = new ArrayList<>();
    int count = 0;
    for (Fragment fragment : fragments) {
      int[] tokens = tokenizer.tokens(fragment.text());
      pieces.add(tokens);
      count += tokens.length;
    }
    int[] tokens = new int[count];
    float[] weights = new float[count];
    int at = 0;
    for (int f = 0; f < fragments.size(); f++) {
      int[] piece = pieces.get(f);
      System.arraycopy(piece, 0, tokens, at, piece.length);
      Arrays.fill(weights, at, at + piece.length, (float) fragments.get(f).weight());
      at += piece.length;
    }

    int chunkLength = tokenizer.maxLength();
    int perChunk = chunkLength - 2;
    List<int[]> bounds = new ArrayList<>();
    int start = 0;
    do {
      int end = Math.min(count, start + splitPoint(tokens, start, count, perChunk));
      bounds.add(new int[] {start, end});
      start = end;
    } while (start < count);

    int[] ids = new int[bounds.size() * chunkLength];
    float[] idWeights = new float[ids.length];
    long[] mask = new long[ids.length];
    Arrays.fill(ids, tokenizer.padId());
    Arrays.fill(idWeights, 1f);
    Arrays.fill(mask, 1);
    for (int c = 0; c < bounds.size(); c++) {
      int offset = c * chunkLength;
      int from = bounds.get(c)[0];
      int length = bounds.get(c)[1] - from;
      ids[offset] = tokenizer.bosId();
      System.arraycopy(tokens, from, ids, offset + 1, length);
      System.arraycopy(weights, from, idWeights, offset + 1, length);
      ids[offset + 1 + length] = tokenizer.eosId();
    }
    return new WeightedTokens(ids, idWeights, mask, chunkLength);
  }

  /** How many of the tokens from {@code start} go into the next chunk. */
  private int splitPoint(int[] tokens, int start, int end, int perChunk) {
    if (end - start <= perChunk) {
      return perChunk;
    }
    int last = start + perChunk - 1;
    for (int i = last; i >= start; i--) {
      if (tokenizer.tokenText(tokens[i]).filter(SENTENCE_END::equals).isPresent()) {
        return i - start + 1;
      }
    }
    for (int i = last; i >= start; i--) {
      if (tokenizer.tokenText(tokens[i]).filter(PHRASE_ENDS::contains).isPresent()) {
        return i - start + 1;
      }
    }
    for (int i = last; i >= start; i--) {
      if (tokenizer.tokenText(tokens[i]).filter(t -> t.endsWith(WORD_END)).isPresent()) {
        return i - start + 1;
      }
    }
    return perChunk;
  }

  /**
   * Where each fragment's tokens lie in {@code ids} (chunked), as compel's {@code
   * _get_token_ranges_for_fragments} finds them: {@code [first, last]} inclusive, stepping over the
   * BOS, EOS and padding between chunks; null for a fragment without tokens.
   */
  int[][] fragmentRanges(int[] ids, List<Fragment> fragments) {
    int[][] ranges = new int[fragments.size()][];
    int start = 0;
    for (int f = 0; f < fragments.size(); f++) {
      int[] tokens = tokenizer.tokens(fragments.get(f).text());
      if (tokens.length == 0) {
        continue;
      }
      while (true) {
        if (start >= ids.length - 1) {
          throw new IllegalStateException(
              "no start of the tokens of fragment " + f + " '" + fragments.get(f).text() + "'");
        }
        if (ids[start] == tokens[0]) {
          break;
        }
        start++;
      }
      int end = start;
      int matched = 0;
      while (true) {
        if (end >= ids.length - 1) {
          throw new IllegalStateException(
              "no end of the tokens of fragment " + f + " '" + fragments.get(f).text() + "'");
        }
        if (ids[end] == tokens[matched]) {
          matched++;
          if (matched == tokens.length) {
            break;
          }
          end++;
        } else if (ids[end] == tokenizer.eosId()
            || ids[end] == tokenizer.padId()
            || ids[end] == tokenizer.bosId()) {
          end++;
        } else {
          throw new IllegalStateException(
              "the tokens of fragment " + f + " '" + fragments.get(f).text() + "' do not match");
        }
      }
      ranges[f] = new int[] {start, end};
      start = end + 1;
    }
    return ranges;
  }
}
