package network.hydrogen.engine.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link WeightSource} that answers some parameters with patched fp32 copies computed from the
 * base tensors (LoRA deltas, extra token embedding rows) and passes every other parameter through
 * to the base source, still mapped: adapters apply without copying or re-reading the base model, so
 * one opened model serves any number of adapter combinations.
 */
public final class PatchedWeights implements WeightSource {

  /** How one parameter is patched. */
  public interface Patch {

    /** The patched parameter's shape, given the base one. */
    long[] shape(long[] base);

    /** The patched values, row-major in {@link #shape}, from the base tensor's fp32 values. */
    float[] apply(FloatBuffer base, long[] baseShape);
  }

  private final WeightSource base;
  private final Map<String, Patch> patches;
  private final String description;

  /**
   * @param patches by parameter name; each must name a parameter of {@code base}
   * @param what what the patches are, for {@link #describe()} (e.g. "LoRA x.safetensors")
   * @throws ModelFormatException when a patch names a parameter the base does not have
   */
  public PatchedWeights(WeightSource base, Map<String, Patch> patches, String what) {
    for (String name : patches.keySet()) {
      if (!base.names().contains(name)) {
        throw new ModelFormatException(base.describe() + " has no tensor " + name + " to patch");
      }
    }
    this.base = base;
    this.patches = Map.copyOf(patches);
    this.description = base.describe() + " + " + what;
  }

  @Override
  public Set<String> names() {
    return base.names();
  }

  @Override
  public Tensor tensor(String name) throws IOException {
    Patch patch = patches.get(name);
    if (patch == null) {
      return base.tensor(name);
    }
    Tensor original = base.tensor(name);
    long[] shape = patch.shape(original.shape());
    float[] values = patch.apply(original.toFloat32(), original.shape());
    ByteBuffer bytes =
        ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return new Tensor(name, DType.F32, shape, bytes);
  }

  @Override
  public long[] shape(String name) throws IOException {
    Patch patch = patches.get(name);
    return patch == null ? base.shape(name) : patch.shape(base.shape(name));
  }

  @Override
  public DType dtype(String name) throws IOException {
    return patches.containsKey(name) ? DType.F32 : base.dtype(name);
  }

  @Override
  public Optional<FileRange> fp32Range(String name) throws IOException {
    return patches.containsKey(name) ? Optional.empty() : base.fp32Range(name);
  }

  @Override
  public String describe() {
    return description;
  }
}
