package network.hydrogen.engine.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import network.hydrogen.engine.model.ModelFormatException;

/**
 * The byte-level BPE tokenizer of CLIP text encoders, read from a Hugging Face tokenizer folder
 * ({@code vocab.json}, {@code merges.txt}, optional {@code tokenizer_config.json} and {@code
 * special_tokens_map.json}). It produces the same ids as transformers' {@code CLIPTokenizer}:
 * special tokens split out first, then NFC, whitespace runs to one space, lowercase, CLIP's
 * pre-tokenizer pattern, bytes to unicode, BPE with a {@code </w>} word end. Thread-safe.
 */
public final class ClipTokenizer {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String END_OF_WORD = "</w>";
  private static final int MAX_CACHED_WORDS = 100_000;

  /** The number of positions of CLIP text encoders. */
  private static final int CLIP_CONTEXT_LENGTH = 77;

  private static final Pattern WHITE_SPACE_RUN = Pattern.compile("\\p{IsWhite_Space}+");
  private static final Pattern CLIP_WORDS =
      Pattern.compile(
          "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}"
              + "|[^\\p{IsWhite_Space}\\p{L}\\p{N}]+");
  // transformers also runs the GPT-2 byte-level split on each word; it only changes words such as
  // "<|endoftext|>" that were written in another case and so were not special tokens.
  private static final Pattern BYTE_LEVEL_WORDS =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\p{IsWhite_Space}\\p{L}\\p{N}]+"
              + "|\\p{IsWhite_Space}+(?!\\P{IsWhite_Space})|\\p{IsWhite_Space}+");
  private static final char[] BYTE_TO_UNICODE = byteToUnicode();

  private final Map<String, Integer> vocab;

  /** The vocabulary's token strings by id (null where no vocabulary entry has the id). */
  private final String[] tokenTexts;

  /** (left id << 32 | right id) of each merge to its rank and merged id, packed the same way. */
  private final Map<Long, Long> merges;

  private final List<String> specialTokens;

  /**
   * Tokens matched as whole strings before BPE (textual inversion's), to the ids each stands for.
   */
  private final Map<String, int[]> addedTokens;

  private final int bosId;
  private final int eosId;
  private final int padId;
  private final int unkId;
  private final int maxLength;
  private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();

  private ClipTokenizer(
      Map<String, Integer> vocab,
      Map<Long, Long> merges,
      List<String> specialTokens,
      Map<String, int[]> addedTokens,
      int bosId,
      int eosId,
      int padId,
      int unkId,
      int maxLength) {
    this.vocab = vocab;
    this.tokenTexts =
        new String[vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
    vocab.forEach((text, id) -> tokenTexts[id] = text);
    this.merges = merges;
    this.specialTokens = specialTokens;
    this.addedTokens = addedTokens;
    this.bosId = bosId;
    this.eosId = eosId;
    this.padId = padId;
    this.unkId = unkId;
    this.maxLength = maxLength;
  }

  /**
   * Reads the tokenizer in {@code directory}. Special tokens and {@code model_max_length} come from
   * the config files when present (SD 2.x pads with {@code !}), else CLIP's defaults.
   */
  public static ClipTokenizer load(Path directory) throws IOException {
    Path vocabFile = directory.resolve("vocab.json");
    Path mergesFile = directory.resolve("merges.txt");
    Map<String, Integer> vocab = readVocab(vocabFile);
    Map<Long, Long> merges = readMerges(mergesFile, vocab);

    JsonNode config = readOptionalJson(directory.resolve("tokenizer_config.json"));
    JsonNode specialMap = readOptionalJson(directory.resolve("special_tokens_map.json"));
    String bos = specialToken(config, specialMap, "bos_token", "<|startoftext|>");
    String eos = specialToken(config, specialMap, "eos_token", "<|endoftext|>");
    String pad = specialToken(config, specialMap, "pad_token", "<|endoftext|>");
    String unk = specialToken(config, specialMap, "unk_token", "<|endoftext|>");
    Set<String> specials = new LinkedHashSet<>(List.of(bos, eos, pad, unk));
    JsonNode added = config.path("added_tokens_decoder");
    for (Iterator<JsonNode> it = added.elements(); it.hasNext(); ) {
      String content = it.next().path("content").asText("");
      if (!content.isEmpty()) {
        specials.add(content);
      }
    }
    for (String special : specials) {
      if (!vocab.containsKey(special)) {
        throw new ModelFormatException(
            vocabFile, "has no id for the special token '" + special + "' named in the config");
      }
    }
    JsonNode maxLengthNode = config.path("model_max_length");
    int maxLength = CLIP_CONTEXT_LENGTH;
    if (!maxLengthNode.isMissingNode()) {
      if (!maxLengthNode.isNumber() || maxLengthNode.asDouble() < 2) {
        throw new ModelFormatException(
            directory.resolve("tokenizer_config.json"),
            "has model_max_length " + maxLengthNode + "; expected an integer of at least 2");
      }
      // transformers writes a huge sentinel when a tokenizer sets no limit of its own
      maxLength = (int) Math.min(maxLengthNode.asDouble(), CLIP_CONTEXT_LENGTH);
    }
    return new ClipTokenizer(
        vocab,
        merges,
        longestFirst(specials),
        Map.of(),
        vocab.get(bos),
        vocab.get(eos),
        vocab.get(pad),
        vocab.get(unk),
        maxLength);
  }

  private static List<String> longestFirst(Iterable<String> tokens) {
    List<String> sorted = new ArrayList<>();
    tokens.forEach(sorted::add);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    return List.copyOf(sorted);
  }

  /**
   * This tokenizer with {@code added} tokens: each is matched as a whole string before BPE (as
   * transformers' added tokens are, longest first) and stands for its ids, several where one
   * textual inversion token expands to several vectors.
   *
   * @throws IllegalArgumentException when a token is already in the vocabulary or empty
   */
  public ClipTokenizer withAddedTokens(Map<String, int[]> added) {
    Map<String, int[]> all = new HashMap<>(addedTokens);
    for (Map.Entry<String, int[]> token : added.entrySet()) {
      String text = token.getKey();
      if (text.isEmpty()) {
        throw new IllegalArgumentException("an added token must not be empty");
      }
      if (vocab.containsKey(text) || all.containsKey(text)) {
        throw new IllegalArgumentException(
            "token '" + text + "' is already in the tokenizer's vocabulary");
      }
      all.put(text, token.getValue().clone());
    }
    List<String> matched = new ArrayList<>(specialTokens);
    matched.addAll(added.keySet());
    return new ClipTokenizer(
        vocab,
        merges,
        longestFirst(matched),
        Map.copyOf(all),
        bosId,
        eosId,
        padId,
        unkId,
        maxLength);
  }

  /** The number of ids of the vocabulary read from {@code vocab.json}: the first free id. */
  public int vocabSize() {
    return vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
  }

  /**
   * The ids the text encoder takes: BOS, the text's tokens (cut so that EOS still fits), EOS, then
   * the pad token up to {@link #maxLength()}.
   */
  public int[] encode(String text) {
    int[] tokens = tokenize(text);
    int kept = Math.min(tokens.length, maxLength - 2);
    int[] ids = new int[maxLength];
    Arrays.fill(ids, padId);
    ids[0] = bosId;
    System.arraycopy(tokens, 0, ids, 1, kept);
    ids[kept + 1] = eosId;
    return ids;
  }

  /** BOS, all of the text's tokens and EOS, without padding or truncation (for long prompts). */
  public int[] encodeUntruncated(String text) {
    int[] tokens = tokenize(text);
    int[] ids = new int[tokens.length + 2];
    ids[0] = bosId;
    System.arraycopy(tokens, 0, ids, 1, tokens.length);
    ids[ids.length - 1] = eosId;
    return ids;
  }

  /** The text's tokens alone: no BOS, EOS, padding or truncation (compel's prompt fragments). */
  public int[] tokens(String text) {
    return tokenize(text);
  }

  /**
   * The vocabulary entry of {@code id}, e.g. {@code "fox</w>"} (a word end) or {@code ".</w>"};
   * empty for ids outside {@code vocab.json} (added textual inversion tokens).
   */
  public Optional<String> tokenText(int id) {
    return id >= 0 && id < tokenTexts.length
        ? Optional.ofNullable(tokenTexts[id])
        : Optional.empty();
  }

  /** The text encoder's sequence length (77 for CLIP). */
  public int maxLength() {
    return maxLength;
  }

  public int bosId() {
    return bosId;
  }

  public int eosId() {
    return eosId;
  }

  public int padId() {
    return padId;
  }

  private int[] tokenize(String text) {
    IntList ids = new IntList();
    int start = 0;
    while (start <= text.length()) {
      int specialAt = text.length();
      String special = null;
      for (int i = start; i < text.length() && special == null; i++) {
        for (String candidate : specialTokens) {
          if (text.startsWith(candidate, i)) {
            specialAt = i;
            special = candidate;
            break;
          }
        }
      }
      tokenizeSegment(text.substring(start, specialAt), ids);
      if (special == null) {
        break;
      }
      int[] addedIds = addedTokens.get(special);
      if (addedIds != null) {
        ids.addAll(addedIds);
      } else {
        ids.add(vocab.get(special));
      }
      start = specialAt + special.length();
    }
    return ids.toArray();
  }

  private void tokenizeSegment(String segment, IntList ids) {
    if (segment.isEmpty()) {
      return;
    }
    String normalized = Normalizer.normalize(segment, Normalizer.Form.NFC);
    normalized = lowercase(WHITE_SPACE_RUN.matcher(normalized).replaceAll(" "));
    Matcher word = CLIP_WORDS.matcher(normalized);
    while (word.find()) {
      Matcher piece = BYTE_LEVEL_WORDS.matcher(word.group());
      while (piece.find()) {
        ids.addAll(wordIds(piece.group()));
      }
    }
  }

  /** Lowercases code point by code point, as the reference does (no final-sigma rule). */
  private static String lowercase(String text) {
    StringBuilder out = new StringBuilder(text.length());
    text.codePoints()
        .forEach(
            cp -> {
              if (cp == 0x130) { // İ lowercases to i + combining dot above
                out.append("i\u0307");
              } else {
                out.appendCodePoint(Character.toLowerCase(cp));
              }
            });
    return out.toString();
  }

  private int[] wordIds(String word) {
    int[] cached = wordCache.get(word);
    if (cached != null) {
      return cached;
    }
    int[] ids = bpe(word);
    if (wordCache.size() < MAX_CACHED_WORDS) {
      wordCache.put(word, ids);
    }
    return ids;
  }

  private int[] bpe(String word) {
    byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
    int[] symbols = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      String symbol = String.valueOf(BYTE_TO_UNICODE[bytes[i] & 0xff]);
      if (i == bytes.length - 1) {
        symbol += END_OF_WORD;
      }
      symbols[i] = vocab.getOrDefault(symbol, unkId);
    }
    int length = symbols.length;
    while (length > 1) {
      long best = Long.MAX_VALUE;
      for (int i = 0; i + 1 < length; i++) {
        Long merge = merges.get(pair(symbols[i], symbols[i + 1]));
        if (merge != null && merge < best) {
          best = merge;
        }
      }
      if (best == Long.MAX_VALUE) {
        break;
      }
      length = mergeAll(symbols, length, best);
    }
    return Arrays.copyOf(symbols, length);
  }

  /** Merges every occurrence, left to right, of the pair whose merge entry is {@code merge}. */
  private int mergeAll(int[] symbols, int length, long merge) {
    int mergedId = (int) merge;
    int out = 0;
    int i = 0;
    while (i < length) {
      if (i + 1 < length) {
        Long candidate = merges.get(pair(symbols[i], symbols[i + 1]));
        if (candidate != null && candidate == merge) {
          symbols[out++] = mergedId;
          i += 2;
          continue;
        }
      }
      symbols[out++] = symbols[i++];
    }
    return out;
  }

  private static long pair(int left, int right) {
    return ((long) left << 32) | (right & 0xffffffffL);
  }

  private static Map<String, Integer> readVocab(Path file) throws IOException {
    Map<String, Integer> vocab = new HashMap<>(100_000);
    // streamed rather than read as a tree: this file has ~50k entries and loads on every task
    try (JsonParser parser = JSON.getFactory().createParser(file.toFile())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new ModelFormatException(file, "is not a JSON object of token to id");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String token = parser.currentName();
        if (parser.nextToken() != JsonToken.VALUE_NUMBER_INT) {
          throw new ModelFormatException(
              file, "maps '" + token + "' to " + parser.getText() + ", not an integer id");
        }
        vocab.put(token, parser.getIntValue());
      }
    } catch (FileNotFoundException | NoSuchFileException e) {
      throw new ModelFormatException(file, "is missing from the tokenizer folder");
    } catch (JacksonException e) {
      throw new ModelFormatException(file, "is not valid JSON: " + e.getOriginalMessage());
    }
    return vocab;
  }

  private static Map<Long, Long> readMerges(Path file, Map<String, Integer> vocab)
      throws IOException {
    Map<Long, Long> merges = new HashMap<>(100_000);
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNumber = 0;
      int rank = 0;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isEmpty() || (lineNumber == 1 && line.startsWith("#version"))) {
          continue;
        }
        int space = line.indexOf(' ');
        if (space <= 0 || space != line.lastIndexOf(' ') || space == line.length() - 1) {
          throw new ModelFormatException(
              file, "line " + lineNumber + " is not two tokens separated by one space: " + line);
        }
        String left = line.substring(0, space);
        String right = line.substring(space + 1);
        Integer leftId = vocab.get(left);
        Integer rightId = vocab.get(right);
        Integer mergedId = vocab.get(left + right);
        if (leftId == null || rightId == null || mergedId == null) {
          throw new ModelFormatException(
              file, "line " + lineNumber + " merges '" + line + "' into a token not in vocab.json");
        }
        merges.putIfAbsent(pair(leftId, rightId), ((long) rank << 32) | mergedId);
        rank++;
      }
    } catch (NoSuchFileException e) {
      throw new ModelFormatException(file, "is missing from the tokenizer folder");
    }
    return merges;
  }

  private static String specialToken(
      JsonNode config, JsonNode specialMap, String name, String fallback) {
    JsonNode value = specialMap.has(name) ? specialMap.get(name) : config.get(name);
    if (value == null || value.isNull()) {
      return fallback;
    }
    // Older configs store an AddedToken object: {"content": "...", "lstrip": false, ...}
    return value.isObject() ? value.path("content").asText(fallback) : value.asText(fallback);
  }

  private static JsonNode readOptionalJson(Path file) throws IOException {
    return Files.exists(file) ? readJson(file) : JSON.createObjectNode();
  }

  private static JsonNode readJson(Path file) throws IOException {
    try {
      return JSON.readTree(file.toFile());
    } catch (FileNotFoundException | NoSuchFileException e) {
      throw new ModelFormatException(file, "is missing from the tokenizer folder");
    } catch (JacksonException e) {
      throw new ModelFormatException(file, "is not valid JSON: " + e.getOriginalMessage());
    }
  }

  /** GPT-2's reversible map from bytes to printable characters. */
  private static char[] byteToUnicode() {
    char[] map = new char[256];
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      map[b] = printable ? (char) b : (char) (256 + extra++);
    }
    return map;
  }

  /** A growable int array. */
  private static final class IntList {
    private int[] values = new int[32];
    private int size;

    void add(int value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = value;
    }

    void addAll(int[] more) {
      for (int value : more) {
        add(value);
      }
    }

    int[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
