package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * The files of a CLIP BPE tokenizer ({@code vocab.json}, {@code merges.txt}) and the settings of
 * its {@code tokenizer_config.json} that differ between models: the padding token ({@code
 * <|endoftext|>} for SD 1.x, {@code !} for SD 2.x's OpenCLIP) and the maximum length.
 */
public record TokenizerFiles(Path vocab, Path merges, String padToken, int modelMaxLength) {

  static final String END_OF_TEXT = "<|endoftext|>";

  /** Reads the settings of a {@code tokenizer_config.json} tree (null when there is none). */
  static TokenizerFiles of(Path vocab, Path merges, JsonNode config, String source) {
    if (config == null) {
      return new TokenizerFiles(vocab, merges, END_OF_TEXT, 77);
    }
    ConfigJson c = new ConfigJson(config, source);
    JsonNode pad = config.get("pad_token");
    String padToken =
        pad == null || pad.isNull()
            ? END_OF_TEXT
            : pad.isObject() ? pad.path("content").asText(END_OF_TEXT) : pad.asText();
    return new TokenizerFiles(vocab, merges, padToken, c.integer("model_max_length", 77));
  }
}
