package network.hydrogen.engine.embedding;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.SafeTensorsFile;
import network.hydrogen.engine.model.Tensor;

/**
 * A textual inversion embedding: the prompt token it is used by and its input embedding vectors
 * ([vectors][width]); a token with several vectors expands to several token ids. An SDXL embedding
 * holds vectors for both text encoders under one token: {@code vectors} for the first ({@code
 * clip_l}) and {@code secondVectors} for the second ({@code clip_g}).
 *
 * <p>Read from the A1111 {@code .safetensors} form (one key {@code emb_params} [n, width]), the
 * diffusers form ({@code learned_embeds.safetensors}: {@code {token: [width]}} or [n, width]), the
 * SDXL form (keys {@code clip_l} [n, width 1] and {@code clip_g} [n, width 2]), and the first two
 * layouts pickled by torch ({@code .pt}: A1111's {@code string_to_param['*']}; {@code .bin}), whose
 * pickle is read as plain data and never run (see {@code TorchPickle}).
 *
 * @param secondVectors the second text encoder's vectors of an SDXL embedding, null for an SD
 *     1.x/2.x embedding
 */
public record TextualInversion(
    String token, float[][] vectors, float[][] secondVectors, Path source) {

  private static final String A1111_KEY = "emb_params";
  private static final String SDXL_FIRST = "clip_l";
  private static final String SDXL_SECOND = "clip_g";

  public TextualInversion {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(source, "source");
    if (token.isBlank() || !token.equals(token.strip())) {
      throw new IllegalArgumentException(
          "a textual inversion token must be non-blank without surrounding spaces, was '"
              + token
              + "'");
    }
    if (vectors.length == 0 || vectors[0].length == 0) {
      throw new IllegalArgumentException(source + " holds no embedding vectors");
    }
    if (secondVectors != null && secondVectors.length != vectors.length) {
      throw new ModelFormatException(
          source,
          "has "
              + vectors.length
              + " clip_l vectors but "
              + secondVectors.length
              + " clip_g vectors; an SDXL embedding has as many of each");
    }
    vectors = vectors.clone();
    secondVectors = secondVectors == null ? null : secondVectors.clone();
  }

  /** A one-encoder (SD 1.x/2.x) embedding. */
  public TextualInversion(String token, float[][] vectors, Path source) {
    this(token, vectors, null, source);
  }

  /**
   * Reads {@code file}; {@code token} names the prompt token, or is null for the file's own: the
   * diffusers form's key, the A1111 form's file name without extension (as A1111 does).
   *
   * @throws ModelFormatException when the file holds no embedding in a known layout, or its pickle
   *     needs more than plain data
   */
  public static TextualInversion read(Path file, String token) throws IOException {
    String name = file.getFileName().toString();
    String lower = name.toLowerCase(Locale.ROOT);
    String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
    if (lower.endsWith(".pt") || lower.endsWith(".bin")) {
      return TorchPickle.read(
          file,
          (root, pickle) -> {
            Map.Entry<String, Object> found = pickled(file, root, stem);
            Tensor tensor = pickle.tensor(found.getValue(), "the embedding");
            return new TextualInversion(
                token == null ? found.getKey() : token, vectors(file, tensor), file);
          });
    }
    SafeTensorsFile weights = SafeTensorsFile.open(file);
    Set<String> keys = weights.names();
    String key;
    String ownToken;
    if (keys.equals(Set.of(SDXL_FIRST, SDXL_SECOND))) {
      return new TextualInversion(
          token == null ? stem : token,
          vectors(file, weights.tensor(SDXL_FIRST)),
          vectors(file, weights.tensor(SDXL_SECOND)),
          file);
    }
    if (keys.contains(A1111_KEY)) {
      key = A1111_KEY;
      ownToken = stem;
    } else if (keys.size() == 1) {
      key = keys.iterator().next();
      ownToken = key;
    } else {
      throw new ModelFormatException(
          file,
          "is no textual inversion embedding: expected one key emb_params (A1111), one"
              + " {token: vectors} key (diffusers) or clip_l and clip_g (SDXL), found "
              + keys);
    }
    return new TextualInversion(
        token == null ? ownToken : token, vectors(file, weights.tensor(key)), file);
  }

  /**
   * The own token and tensor value of a pickled embedding: A1111's {@code string_to_param['*']}
   * (token: the file name) or diffusers' single {@code {token: tensor}}.
   */
  private static Map.Entry<String, Object> pickled(Path file, Object root, String stem) {
    if (root instanceof Map<?, ?> dict) {
      if (dict.get("string_to_param") instanceof Map<?, ?> params && params.containsKey("*")) {
        return Map.entry(stem, params.get("*"));
      }
      if (dict.size() == 1 && dict.keySet().iterator().next() instanceof String key) {
        return Map.entry(key, dict.get(key));
      }
    }
    throw new ModelFormatException(
        file,
        "is no textual inversion embedding: expected string_to_param['*'] (A1111) or one"
            + " {token: vectors} entry (diffusers)");
  }

  private static float[][] vectors(Path file, Tensor tensor) {
    long[] shape = tensor.shape();
    if (!tensor.dtype().isFloat() || shape.length < 1 || shape.length > 2) {
      throw new ModelFormatException(
          file, "holds " + tensor + "; expected float vectors [width] or [vectors, width]");
    }
    int count = shape.length == 1 ? 1 : (int) shape[0];
    int width = (int) shape[shape.length - 1];
    FloatBuffer values = tensor.toFloat32();
    float[][] vectors = new float[count][width];
    for (int i = 0; i < count; i++) {
      values.get(i * width, vectors[i]);
    }
    return vectors;
  }

  /** Whether this is an SDXL embedding, with vectors for both text encoders. */
  public boolean isSdxl() {
    return secondVectors != null;
  }

  /**
   * The embedding as the first text encoder of a model takes it: its {@code vectors}.
   *
   * @param sdxl whether the model is SDXL, whose embeddings must hold both encoders' vectors
   * @throws ModelFormatException for an SDXL embedding on another model or the other way round
   */
  public TextualInversion forFirstEncoder(boolean sdxl) {
    if (sdxl != isSdxl()) {
      throw new ModelFormatException(
          source,
          sdxl
              ? "holds one text encoder's vectors, but SDXL needs an SDXL embedding with clip_l"
                  + " and clip_g vectors for its two text encoders (an SD 1.x/2.x embedding?)"
              : "is an SDXL embedding (clip_l and clip_g vectors), but the model is not SDXL");
    }
    return new TextualInversion(token, vectors, source);
  }

  /**
   * The embedding as SDXL's second text encoder takes it: its {@code secondVectors}.
   *
   * @throws ModelFormatException for an embedding without them
   */
  public TextualInversion forSecondEncoder() {
    if (!isSdxl()) {
      throw new ModelFormatException(
          source,
          "holds one text encoder's vectors, but SDXL needs an SDXL embedding with clip_l and"
              + " clip_g vectors for its two text encoders (an SD 1.x/2.x embedding?)");
    }
    return new TextualInversion(token, secondVectors, source);
  }

  /** The number of vectors, the number of token ids the token expands to. */
  public int count() {
    return vectors.length;
  }

  /** The token names diffusers gives the vectors: {@code token}, {@code token_1}, .... */
  public String tokenName(int vector) {
    return vector == 0 ? token : token + "_" + vector;
  }
}
