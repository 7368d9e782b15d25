package network.hydrogen.engine.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import network.hydrogen.engine.tokenizer.ClipTokenizer;
import network.hydrogen.task.prompt.Fragment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Where compel's sentence splitting cuts long prompts, and the per-token weights and ranges. */
class TokenChunkerTest {

  private static ClipTokenizer tokenizer;
  private static TokenChunker chunker;

  @BeforeAll
  static void load() throws IOException {
    tokenizer =
        ClipTokenizer.load(Path.of("src/test/resources/engine-reference/sd15/model/tokenizer"));
    chunker = new TokenChunker(tokenizer);
  }

  @Test
  void aShortPromptIsOneChunkWithItsWeightsAndAFullMask() {
    WeightedTokens tokens =
        chunker.chunk(List.of(new Fragment("a", 1), new Fragment("red fox", 1.3)));

    assertThat(tokens.chunks()).isEqualTo(1);
    assertThat(Arrays.copyOf(tokens.ids(), 5))
        .containsExactly(tokenizer.bosId(), 320, 736, 3240, tokenizer.eosId());
    assertThat(tokens.ids()[76]).isEqualTo(tokenizer.padId());
    assertThat(Arrays.copyOf(tokens.weights(), 5)).containsExactly(1f, 1f, 1.3f, 1.3f, 1f);
    assertThat(tokens.mask()).containsOnly(1L);
  }

  @Test
  void withoutSentenceEndsALongPromptIsCutAfterTheLastPhraseEnd() {
    // "a red fox, " is 4 tokens: commas at 3, 7, ..., 71, 75 -> the last within 75 tokens is 71
    WeightedTokens tokens = chunker.chunk(List.of(new Fragment("a red fox, ".repeat(30), 1)));

    assertThat(tokens.chunks()).isEqualTo(2);
    assertThat(contentLength(tokens, 0)).isEqualTo(72);
    assertThat(contentLength(tokens, 1)).isEqualTo(120 - 72);
  }

  @Test
  void withoutPunctuationALongPromptIsCutAfterTheLastWordEndWithin75Tokens() {
    WeightedTokens tokens = chunker.chunk(List.of(new Fragment("fox ".repeat(160), 1)));

    assertThat(tokens.chunks()).isEqualTo(3);
    assertThat(contentLength(tokens, 0)).isEqualTo(75);
    assertThat(contentLength(tokens, 1)).isEqualTo(75);
    assertThat(contentLength(tokens, 2)).isEqualTo(10);
  }

  @Test
  void aSentenceEndWinsOverLaterCommas() {
    WeightedTokens tokens =
        chunker.chunk(List.of(new Fragment("a red fox. " + "in the snow, ".repeat(30), 1)));

    assertThat(contentLength(tokens, 0)).isEqualTo(4);
  }

  @Test
  void fragmentRangesStepOverChunkBoundaries() {
    List<Fragment> fragments =
        List.of(new Fragment("fox ".repeat(74), 1), new Fragment("red snow", 0.5));
    WeightedTokens tokens = chunker.chunk(fragments);

    int[][] ranges = chunker.fragmentRanges(tokens.ids(), fragments);

    // "red" is token 75 of chunk 1; "snow" opens chunk 2 after EOS, padding and BOS
    assertThat(ranges[0]).containsExactly(1, 74);
    assertThat(ranges[1]).containsExactly(75, 78);
    assertThat(tokens.weights()[75]).isEqualTo(0.5f);
    assertThat(tokens.weights()[78]).isEqualTo(0.5f);
    assertThat(tokens.ids()[77]).isEqualTo(tokenizer.bosId());
  }

  private static int contentLength(WeightedTokens tokens, int chunk) {
    int offset = chunk * tokens.chunkLength();
    int eos = 1;
    while (tokens.ids()[offset + eos] != tokenizer.eosId()) {
      eos++;
    }
    return eos - 1;
  }
}
