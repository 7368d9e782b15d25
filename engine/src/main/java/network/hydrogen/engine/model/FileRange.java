package network.hydrogen.engine.model;

import java.nio.file.Path;

/**
 * Where a tensor's bytes lie in a file: {@code length} bytes from byte {@code offset}, so that ONNX
 * Runtime can read them itself (as ONNX external data) instead of from a buffer the engine owns.
 */
public record FileRange(Path file, long offset, long length) {

  /** Block {@code part} of {@code parts} equal blocks (a row block of a fused matrix). */
  FileRange part(int part, int parts) {
    long size = length / parts;
    return new FileRange(file, offset + part * size, size);
  }
}
