package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code .safetensors} file from tensors whose bytes lie in buffers (mapped or direct),
 * streaming them to disk in the order added. The header is padded with spaces to a multiple of 8
 * bytes, as the reference implementation does, so that every tensor stays aligned.
 */
public final class SafeTensorsWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Tensor> tensors = new ArrayList<>();
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
    if (tensor.name().equals("__metadata__")
        || tensors.stream().anyMatch(t -> t.name().equals(tensor.name()))) {
      throw new IllegalArgumentException("tensor name " + tensor.name() + " is reserved or taken");
    }
    tensors.add(tensor);
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
    for (Tensor tensor : tensors) {
      ObjectNode entry = header.putObject(tensor.name());
      entry.put("dtype", tensor.dtype().name());
      var shape = entry.putArray("shape");
      for (long dimension : tensor.shape()) {
        shape.add(dimension);
      }
      long length = tensor.data().remaining();
      entry.putArray("data_offsets").add(offset).add(offset + length);
      offset += length;
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
      for (Tensor tensor : tensors) {
        writeFully(out, tensor.data().duplicate());
      }
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
  }
}
