package network.hydrogen.engine.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One component's weights inside an original-format single-file checkpoint, by diffusers names.
 * Every parameter the config requires is resolved to its original key when this is built, and
 * checked against the file header, so a missing or mis-shaped tensor fails at load time naming both
 * the original key and the diffusers name. Tensors are views of the mapped file: reshaped or
 * sliced, never copied, except a matrix stored transposed.
 */
final class CheckpointWeights implements WeightSource {

  /**
   * Where one diffusers parameter's bytes lie in the file: rows block {@code part} of {@code
   * parts}, or the whole tensor stored transposed.
   */
  private record Slice(String key, long[] shape, int part, int parts, boolean transposed) {
    Slice(String key, long[] shape, int part, int parts) {
      this(key, shape, part, parts, false);
    }
  }

  private final SafeTensorsFile file;
  private final Map<String, Slice> slices;

  private CheckpointWeights(SafeTensorsFile file, Map<String, Slice> slices) {
    this.file = file;
    this.slices = slices;
  }

  /**
   * Resolves {@code parameters} under the key {@code prefix} (e.g. {@code model.diffusion_model.}).
   *
   * @throws ModelFormatException naming the file and tensor that is missing or has the wrong shape
   */
  static CheckpointWeights resolve(
      SafeTensorsFile file, String prefix, String component, List<Parameter> parameters) {
    Map<String, Slice> slices = new LinkedHashMap<>();
    for (Parameter parameter : parameters) {
      slices.put(parameter.name(), slice(file, prefix, component, parameter));
    }
    return new CheckpointWeights(file, Collections.unmodifiableMap(slices));
  }

  private static Slice slice(
      SafeTensorsFile file, String prefix, String component, Parameter parameter) {
    long[] want = parameter.shape();
    String name = component + " parameter " + parameter.name();
    return switch (parameter.origin()) {
      case Parameter.Origin.None none ->
          throw new ModelFormatException(file.path(), "cannot provide " + name + ": " + none.why());
      case Parameter.Origin.Key key -> {
        String full = prefix + key.key();
        expectShape(file, full, name, want);
        yield new Slice(full, want, 0, 1);
      }
      case Parameter.Origin.Squeezed squeezed -> {
        String full = prefix + squeezed.key();
        long[] kernel = Arrays.copyOf(want, want.length + 2);
        kernel[want.length] = 1;
        kernel[want.length + 1] = 1;
        long[] have = present(file, full, name);
        if (!Arrays.equals(have, want) && !Arrays.equals(have, kernel)) {
          throw mismatch(file, full, name, have, kernel);
        }
        yield new Slice(full, want, 0, 1);
      }
      case Parameter.Origin.Transposed transposed -> {
        String full = prefix + transposed.key();
        expectShape(file, full, name, new long[] {want[1], want[0]});
        yield new Slice(full, want, 0, 1, true);
      }
      case Parameter.Origin.Rows rows -> {
        String full = prefix + rows.key();
        long[] fused = want.clone();
        fused[0] *= rows.count();
        expectShape(file, full, name, fused);
        yield new Slice(full, want, rows.index(), rows.count());
      }
    };
  }

  private static long[] present(SafeTensorsFile file, String key, String name) {
    if (!file.contains(key)) {
      throw new ModelFormatException(
          file.path(), "has no tensor " + key + " (needed for the " + name + ")");
    }
    if (!file.dtype(key).isFloat()) {
      throw new ModelFormatException(
          file.path(),
          "tensor " + key + " has type " + file.dtype(key) + ", not a floating-point type");
    }
    return file.shape(key);
  }

  private static void expectShape(SafeTensorsFile file, String key, String name, long[] want) {
    long[] have = present(file, key, name);
    if (!Arrays.equals(have, want)) {
      throw mismatch(file, key, name, have, want);
    }
  }

  private static ModelFormatException mismatch(
      SafeTensorsFile file, String key, String name, long[] have, long[] want) {
    return new ModelFormatException(
        file.path(),
        "tensor "
            + key
            + " has shape "
            + Arrays.toString(have)
            + " but the config requires "
            + Arrays.toString(want)
            + " for the "
            + name
            + " (checkpoint and config do not match)");
  }

  @Override
  public Set<String> names() {
    return slices.keySet();
  }

  @Override
  public Tensor tensor(String name) throws IOException {
    Slice slice = sliceOf(name);
    Tensor stored = file.tensor(slice.key());
    ByteBuffer bytes = stored.data();
    if (slice.parts() > 1) {
      int length = bytes.remaining() / slice.parts();
      bytes = bytes.slice(slice.part() * length, length);
    }
    if (slice.transposed()) {
      bytes = transpose(bytes, stored.shape(), stored.dtype().byteSize());
    }
    return new Tensor(name, stored.dtype(), slice.shape(), bytes);
  }

  /** A transposed copy of a {@code [rows, columns]} matrix (the only copy this class makes). */
  private static ByteBuffer transpose(ByteBuffer matrix, long[] shape, int elementSize) {
    int rows = Math.toIntExact(shape[0]);
    int columns = Math.toIntExact(shape[1]);
    ByteBuffer out = ByteBuffer.allocateDirect(matrix.remaining());
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        int from = (r * columns + c) * elementSize;
        int to = (c * rows + r) * elementSize;
        for (int b = 0; b < elementSize; b++) {
          out.put(to + b, matrix.get(matrix.position() + from + b));
        }
      }
    }
    return out.asReadOnlyBuffer();
  }

  @Override
  public Optional<FileRange> fp32Range(String name) {
    Slice slice = sliceOf(name);
    return slice.transposed()
        ? Optional.empty()
        : file.fp32Range(slice.key()).map(range -> range.part(slice.part(), slice.parts()));
  }

  @Override
  public long[] shape(String name) {
    return sliceOf(name).shape().clone();
  }

  @Override
  public DType dtype(String name) {
    return file.dtype(sliceOf(name).key());
  }

  private Slice sliceOf(String name) {
    Slice slice = slices.get(name);
    if (slice == null) {
      throw new ModelFormatException(file.path(), "has no parameter " + name + " for this model");
    }
    return slice;
  }

  @Override
  public String describe() {
    return file.path().toString();
  }
}
