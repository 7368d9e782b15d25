package network.hydrogen.engine.graph;

import java.util.Arrays;

/**
 * A dense row-major float32 tensor on the heap: the inputs and outputs of the networks (latents,
 * text embeddings, images), small next to the weights. The values array is shared, not copied.
 */
public record FloatTensor(long[] shape, float[] values) {

  public FloatTensor {
    shape = shape.clone();
    long count = 1;
    for (long dimension : shape) {
      if (dimension < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, dimension);
    }
    if (count != values.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + count + " values, got " + values.length);
    }
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The size of one dimension. */
  public long dim(int axis) {
    return shape[axis];
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof FloatTensor that
        && Arrays.equals(shape, that.shape)
        && Arrays.equals(values, that.values);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "FloatTensor" + Arrays.toString(shape);
  }
}
