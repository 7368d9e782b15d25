package network.hydrogen.engine.model;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The weights of one model component (text encoder, UNet, VAE, ...) by their diffusers parameter
 * names, whatever file layout they came from. Implementations map the bytes lazily.
 */
public interface WeightSource {

  /** The parameter names available. */
  Set<String> names();

  /**
   * The tensor of that diffusers parameter name.
   *
   * @throws ModelFormatException when there is no such tensor, naming the source and the tensor
   */
  Tensor tensor(String name) throws IOException;

  /**
   * What this source reads from, for error messages (a file path, usually); patched sources add
   * what patches them (the adapter files and scales). Sources with the same description hold the
   * same values: the pipeline cache reuses sessions by it.
   */
  String describe();

  /**
   * The shape of that parameter; implementations answer from the file header without mapping.
   *
   * @throws ModelFormatException when there is no such tensor
   */
  default long[] shape(String name) throws IOException {
    return tensor(name).shape();
  }

  /** The element type of that parameter; implementations answer without mapping. */
  default DType dtype(String name) throws IOException {
    return tensor(name).dtype();
  }

  /**
   * Where that parameter's bytes lie in a file exactly as the network wants them: fp32, contiguous,
   * unchanged. Empty when they must be converted, patched or rearranged first (then only {@link
   * #tensor} gives them).
   */
  default Optional<FileRange> fp32Range(String name) throws IOException {
    return Optional.empty();
  }

  /** The union of one or more safetensors files (a sharded or single weights file). */
  static WeightSource of(List<SafeTensorsFile> files) {
    Map<String, SafeTensorsFile> byName = new LinkedHashMap<>();
    for (SafeTensorsFile file : files) {
      for (String name : file.names()) {
        SafeTensorsFile previous = byName.putIfAbsent(name, file);
        if (previous != null) {
          throw new ModelFormatException(
              file.path(), "repeats tensor " + name + " already in " + previous.path());
        }
      }
    }
    Set<String> names = Collections.unmodifiableSet(byName.keySet());
    String description =
        files.size() == 1
            ? files.getFirst().path().toString()
            : files.stream().map(f -> f.path().toString()).toList().toString();
    return new WeightSource() {
      @Override
      public Set<String> names() {
        return names;
      }

      @Override
      public Tensor tensor(String name) throws IOException {
        return fileOf(name).tensor(name);
      }

      @Override
      public long[] shape(String name) {
        return fileOf(name).shape(name);
      }

      @Override
      public DType dtype(String name) {
        return fileOf(name).dtype(name);
      }

      @Override
      public Optional<FileRange> fp32Range(String name) {
        return fileOf(name).fp32Range(name);
      }

      private SafeTensorsFile fileOf(String name) {
        SafeTensorsFile file = byName.get(name);
        if (file == null) {
          throw new ModelFormatException(description + " has no tensor " + name);
        }
        return file;
      }

      @Override
      public String describe() {
        return description;
      }
    };
  }
}
