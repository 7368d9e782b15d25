package network.hydrogen.engine.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A named tensor whose little-endian bytes lie in {@code data}, usually a read-only slice of a
 * memory-mapped file, so that a checkpoint is never copied onto the Java heap.
 */
public record Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {

  public Tensor {
    shape = shape.clone();
    data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The number of elements: the product of the shape. */
  public long elementCount() {
    long count = 1;
    for (long dimension : shape) {
      count *= dimension;
    }
    return count;
  }

  /**
   * The values as fp32 in a new direct buffer (widened from fp16, bf16 or fp64 where needed), or a
   * view of the mapped bytes when they already are fp32.
   */
  public FloatBuffer toFloat32() {
    ByteBuffer source = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (dtype == DType.F32) {
      return source.asFloatBuffer();
    }
    int count = Math.toIntExact(elementCount());
    FloatBuffer out =
        ByteBuffer.allocateDirect(count * Float.BYTES)
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    switch (dtype) {
      case F16 -> {
        for (int i = 0; i < count; i++) {
          out.put(i, Float.float16ToFloat(source.getShort(2 * i)));
        }
      }
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          out.put(i, Float.intBitsToFloat((source.getShort(2 * i) & 0xffff) << 16));
        }
      }
      case F64 -> {
        for (int i = 0; i < count; i++) {
          out.put(i, (float) source.getDouble(8 * i));
        }
      }
      default ->
          throw new IllegalStateException(
              "tensor " + name + " has type " + dtype + ", not a floating-point type");
    }
    return out;
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape);
  }
}
