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
 * ([vectors][width]); a token with several vectors expands to several token ids.
 *
 * <p>Read from the A1111 {@code .safetensors} form (one key {@code emb_params} [n, width]) or the
 * diffusers form ({@code learned_embeds.safetensors}: {@code {token: [width]}} or [n, width]), and
 * the same two layouts pickled by torch ({@code .pt}: A1111's {@code string_to_param['*']}; {@code
 * .bin}), whose pickle is read as plain data and never run (see {@code TorchPickle}).
 */
public record TextualInversion(String token, float[][] vectors, Path source) {

  private static final String A1111_KEY = "emb_params";

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
    vectors = vectors.clone();
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
    if (keys.contains(A1111_KEY)) {
      key = A1111_KEY;
      ownToken = stem;
    } else if (keys.size() == 1) {
      key = keys.iterator().next();
      ownToken = key;
    } else {
      throw new ModelFormatException(
          file,
          "is no textual inversion embedding: expected one key emb_params (A1111) or one"
              + " {token: vectors} key (diffusers), found "
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

  /** The number of vectors, the number of token ids the token expands to. */
  public int count() {
    return vectors.length;
  }

  /** The token names diffusers gives the vectors: {@code token}, {@code token_1}, .... */
  public String tokenName(int vector) {
    return vector == 0 ? token : token + "_" + vector;
  }
}
