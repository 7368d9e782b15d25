package network.hydrogen.engine.model;

/** The element types a safetensors file can hold, by their safetensors names. */
public enum DType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1);

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether this is a floating-point type the engine can widen to fp32. */
  public boolean isFloat() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }
}
