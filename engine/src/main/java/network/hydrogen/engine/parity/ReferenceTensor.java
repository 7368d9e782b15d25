package network.hydrogen.engine.parity;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tensor of a reference folder: a raw little-endian float32 file, row-major, whose shape is given
 * in the index entry {@code {"file": ..., "shape": [...]}}.
 */
record ReferenceTensor(Path file, int[] shape) {

  /** Reads the entry; a missing or malformed entry is a {@link MalformedReferenceException}. */
  static ReferenceTensor of(Path referenceDir, JsonNode entry, String where) {
    if (entry == null || !entry.path("file").isTextual() || !entry.path("shape").isArray()) {
      throw new MalformedReferenceException(where + ": expected {\"file\": ..., \"shape\": [...]}");
    }
    int[] shape = new int[entry.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = entry.get("shape").get(i).asInt();
    }
    Path file = referenceDir.resolve(entry.get("file").asText());
    if (!Files.isRegularFile(file)) {
      throw new MalformedReferenceException(where + ": file " + file + " is missing");
    }
    return new ReferenceTensor(file, shape);
  }

  int elementCount() {
    return Arrays.stream(shape).reduce(1, Math::multiplyExact);
  }

  /** The values; the file's size must match the shape. */
  float[] read() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length != elementCount() * Float.BYTES) {
      throw new MalformedReferenceException(
          file
              + " has "
              + bytes.length
              + " bytes, but shape "
              + Arrays.toString(shape)
              + " needs "
              + elementCount() * Float.BYTES);
    }
    float[] values = new float[elementCount()];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }
}
