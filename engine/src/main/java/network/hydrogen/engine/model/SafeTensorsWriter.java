package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code .safetensors} file from tensors whose bytes lie in buffers (mapped or direct) or
 * are produced while writing, streaming them to disk in the order added. The header is padded with
 * spaces to a multiple of 8 bytes, as the reference implementation does, so that every tensor stays
 * aligned.
 */
public final class SafeTensorsWriter {

  /**
   * Produces a tensor's bytes while the file is written, so that they need not all be in memory.
   */
  @FunctionalInterface
  public interface Content {
    /** Writes exactly the tensor's bytes, little-endian, to {@code out}. */
    void writeTo(WritableByteChannel out) throws IOException;
  }

  private record Entry(String name, DType dtype, long[] shape, long length, Content content) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Entry> tensors = new ArrayList<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /** Adds a tensor; its bytes must be exactly the shape's element count times the dtype size. */
  public SafeTensorsWriter add(Tensor tensor) {
    long expected = tensor.elementCount() * tensor.dtype().byteSize();
    if (tensor.data().remaining() != expected) {
      throw new IllegalArgumentException(
          "tensor "
              + tensor.name()
              + " has "
              + tensor.data().remaining()
              + " bytes, but shape "
              + Arrays.toString(tensor.shape())
              + " of "
              + tensor.dtype()
              + " needs "
              + expected);
    }
    return add(
        tensor.name(),
        tensor.dtype(),
        tensor.shape(),
        out -> writeFully(out, tensor.data().duplicate()));
  }

  /**
   * Adds a tensor whose bytes {@code content} writes when the file is written: exactly the shape's
   * element count times the dtype size.
   */
  public SafeTensorsWriter add(String name, DType dtype, long[] shape, Content content) {
    if (name.equals("__metadata__") || tensors.stream().anyMatch(t -> t.name().equals(name))) {
      throw new IllegalArgumentException("tensor name " + name + " is reserved or taken");
    }
    long count = 1;
    for (long dimension : shape) {
      count = Math.multiplyExact(count, dimension);
    }
    tensors.add(new Entry(name, dtype, shape.clone(), count * dtype.byteSize(), content));
    return this;
  }

  /** Adds an entry to the {@code __metadata__} string map. */
  public SafeTensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** Writes the file, replacing any file at {@code path}. */
  public void write(Path path) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Entry tensor : tensors) {
      ObjectNode entry = header.putObject(tensor.name());
      entry.put("dtype", tensor.dtype().name());
      var shape = entry.putArray("shape");
      for (long dimension : tensor.shape()) {
        shape.add(dimension);
      }
      entry.putArray("data_offsets").add(offset).add(offset + tensor.length());
      offset += tensor.length();
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    try (FileChannel out =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(out, head);
      for (Entry tensor : tensors) {
        long before = out.position();
        tensor.content().writeTo(out);
        if (out.position() - before != tensor.length()) {
          throw new IllegalStateException(
              "tensor "
                  + tensor.name()
                  + " wrote "
                  + (out.position() - before)
                  + " bytes, its shape needs "
                  + tensor.length());
        }
      }
    }
  }

  private static void writeFully(WritableByteChannel out, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
  }
}
