package network.hydrogen.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import network.hydrogen.engine.model.ModelFormatException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClipTokenizerTest {

  private static final Path SD15 = Path.of("src/test/resources/engine-reference/sd15");
  private static final Path TOKENIZER_DIR = SD15.resolve("model/tokenizer");
  private static final Path TRICKY =
      Path.of("src/test/resources/tokenizer-reference/clip-tricky.json");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ClipTokenizer tokenizer;

  @BeforeAll
  static void load() throws IOException {
    tokenizer = ClipTokenizer.load(TOKENIZER_DIR);
  }

  static Stream<Arguments> goldenCases() throws IOException {
    JsonNode tokens = JSON.readTree(SD15.resolve("golden/index.json").toFile()).get("tokens");
    List<Arguments> cases = new ArrayList<>();
    for (JsonNode c : tokens.get("cases")) {
      cases.add(Arguments.of(c.get("text").asText(), ids(c.get("ids"))));
    }
    return cases.stream();
  }

  static Stream<Arguments> trickyCases() throws IOException {
    List<Arguments> cases = new ArrayList<>();
    for (JsonNode c : JSON.readTree(TRICKY.toFile()).get("cases")) {
      cases.add(Arguments.of(c.get("text").asText(), ids(c.get("ids")), ids(c.get("untruncated"))));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("goldenCases")
  void matchesReferenceGoldenIds(String text, int[] expected) {
    assertThat(tokenizer.encode(text)).containsExactly(expected);
  }

  @Test
  void untruncatedLongPromptMatchesReference() throws IOException {
    JsonNode longCase =
        JSON.readTree(SD15.resolve("golden/index.json").toFile())
            .get("tokens")
            .get("long_untruncated");
    int[] expected = ids(longCase.get("ids"));
    assertThat(expected).hasSize(157);
    assertThat(tokenizer.encodeUntruncated(longCase.get("text").asText()))
        .containsExactly(expected);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("trickyCases")
  void matchesReferenceOnTrickyText(String text, int[] padded, int[] untruncated) {
    assertThat(tokenizer.encode(text)).containsExactly(padded);
    assertThat(tokenizer.encodeUntruncated(text)).containsExactly(untruncated);
  }

  @Test
  void truncationKeepsEosLast() {
    int[] ids = tokenizer.encode("fox ".repeat(200));
    assertThat(ids).hasSize(77);
    assertThat(ids[0]).isEqualTo(49406);
    assertThat(ids[76]).isEqualTo(49407);
    assertThat(ids[75]).isNotEqualTo(49407);
    assertThat(tokenizer.encodeUntruncated("fox ".repeat(200))).hasSize(202);
  }

  @Test
  void readsSpecialTokensFromConfig() {
    assertThat(tokenizer.bosId()).isEqualTo(49406);
    assertThat(tokenizer.eosId()).isEqualTo(49407);
    assertThat(tokenizer.padId()).isEqualTo(49407);
    assertThat(tokenizer.maxLength()).isEqualTo(77);
  }

  @Test
  void padsWithTheConfiguredPadTokenLikeOpenClip(@TempDir Path dir) throws IOException {
    copyVocabAndMerges(dir);
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        """
        {"model_max_length": 77, "bos_token": {"content": "<|startoftext|>"},
         "eos_token": "<|endoftext|>", "pad_token": "!", "unk_token": "<|endoftext|>"}
        """);
    ClipTokenizer openClip = ClipTokenizer.load(dir);
    assertThat(openClip.padId()).isZero();
    for (JsonNode c : JSON.readTree(TRICKY.toFile()).get("pad_exclamation_cases")) {
      assertThat(openClip.encode(c.get("text").asText()))
          .as(c.get("text").asText())
          .containsExactly(ids(c.get("ids")));
      assertThat(openClip.encodeUntruncated(c.get("text").asText()))
          .containsExactly(ids(c.get("untruncated")));
    }
  }

  @Test
  void specialTokensMapOverridesConfig(@TempDir Path dir) throws IOException {
    copyVocabAndMerges(dir);
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"<|endoftext|>\"}");
    Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"!\"}");
    assertThat(ClipTokenizer.load(dir).padId()).isZero();
  }

  @Test
  void modelMaxLengthIsReadAndCappedAtClipsContext(@TempDir Path dir) throws IOException {
    copyVocabAndMerges(dir);
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 16}");
    ClipTokenizer short16 = ClipTokenizer.load(dir);
    int[] ids = short16.encode("fox ".repeat(30));
    assertThat(ids).hasSize(16);
    assertThat(ids[15]).isEqualTo(49407);
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"model_max_length\": 1000000000000000019884624838656}");
    assertThat(ClipTokenizer.load(dir).maxLength()).isEqualTo(77);
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": \"long\"}");
    assertThatThrownBy(() -> ClipTokenizer.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model_max_length");
  }

  @Test
  void worksWithoutConfigFiles(@TempDir Path dir) throws IOException {
    copyVocabAndMerges(dir);
    ClipTokenizer bare = ClipTokenizer.load(dir);
    assertThat(bare.encode("a red fox")).containsExactly(tokenizer.encode("a red fox"));
  }

  @Test
  void missingFileIsNamed(@TempDir Path dir) throws IOException {
    Files.copy(TOKENIZER_DIR.resolve("vocab.json"), dir.resolve("vocab.json"));
    assertThatThrownBy(() -> ClipTokenizer.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("merges.txt")
        .hasMessageContaining("missing");
  }

  @Test
  void missingOrMalformedVocabIsNamed(@TempDir Path dir) throws IOException {
    Files.copy(TOKENIZER_DIR.resolve("merges.txt"), dir.resolve("merges.txt"));
    assertThatThrownBy(() -> ClipTokenizer.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("vocab.json is missing");
    Files.writeString(dir.resolve("vocab.json"), "{\"a</w>\": \"one\"}");
    assertThatThrownBy(() -> ClipTokenizer.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("'a</w>'")
        .hasMessageContaining("not an integer id");
    Files.writeString(dir.resolve("vocab.json"), "{\"a</w>\": 1,");
    assertThatThrownBy(() -> ClipTokenizer.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void mergeOutsideVocabIsRejectedWithItsLine(@TempDir Path dir) throws IOException {
    Files.copy(TOKENIZER_DIR.resolve("vocab.json"), dir.resolve("vocab.json"));
    Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\ni n\nzzqq xxyy\n");
    assertThatThrownBy(() -> ClipTokenizer.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("line 3")
        .hasMessageContaining("zzqq xxyy");
  }

  @Test
  void unknownPadTokenIsRejected(@TempDir Path dir) throws IOException {
    copyVocabAndMerges(dir);
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"<pad>\"}");
    assertThatThrownBy(() -> ClipTokenizer.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("'<pad>'");
  }

  @Test
  void loadsQuicklyAndTokenizesFast() throws IOException {
    long start = System.nanoTime();
    ClipTokenizer fresh = ClipTokenizer.load(TOKENIZER_DIR);
    long loadMillis = (System.nanoTime() - start) / 1_000_000;
    start = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      fresh.encode("a highly detailed oil painting of a lighthouse keeper and his cat " + i);
    }
    long encodeMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(loadMillis).as("load time in ms").isLessThan(3000);
    assertThat(encodeMillis).as("1000 encodes in ms").isLessThan(2000);
  }

  private static void copyVocabAndMerges(Path dir) throws IOException {
    Files.copy(TOKENIZER_DIR.resolve("vocab.json"), dir.resolve("vocab.json"));
    Files.copy(TOKENIZER_DIR.resolve("merges.txt"), dir.resolve("merges.txt"));
  }

  private static int[] ids(JsonNode array) {
    int[] ids = new int[array.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = array.get(i).intValue();
    }
    return ids;
  }

  @Test
  void addedTokensMatchWholeLongestFirstAndStandForTheirIds() {
    ClipTokenizer added =
        tokenizer.withAddedTokens(
            Map.of("<x>", new int[] {49408, 49409}, "<x>_1", new int[] {49409}));

    assertThat(added.encode("A <x>_1<x> b"))
        .startsWith(tokenizer.bosId(), tokenizer.encode("a")[1], 49409, 49408, 49409);
    assertThat(tokenizer.encode("<x>")).doesNotContain(49408);
    assertThatThrownBy(() -> added.withAddedTokens(Map.of("<x>", new int[] {1})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token '<x>' is already in the tokenizer's vocabulary");
  }
}
