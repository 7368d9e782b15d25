package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code .safetensors} file: a little-endian u64 header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the tensor bytes. Each tensor is memory-mapped on
 * demand; nothing is copied onto the heap. The header is checked completely on open, so a truncated
 * or inconsistent file fails at once with the file and tensor named.
 */
public final class SafeTensorsFile {

  private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Entry(DType dtype, long[] shape, long begin, long end) {}

  private final Path path;
  private final long dataStart;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private SafeTensorsFile(
      Path path, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
    this.path = path;
    this.dataStart = dataStart;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Reads and checks the header of {@code path}. */
  public static SafeTensorsFile open(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 8) {
        throw new ModelFormatException(path, "is not a safetensors file: only " + size + " bytes");
      }
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0);
      long headerLength = lengthBytes.getLong(0);
      if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
        throw new ModelFormatException(
            path,
            "is not a safetensors file or is truncated: header length "
                + headerLength
                + " bytes, file size "
                + size
                + " bytes");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      readFully(channel, header, 8);
      JsonNode root;
      try {
        root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new ModelFormatException(path, "has a malformed JSON header: " + e.getMessage());
      }
      if (root == null || !root.isObject()) {
        throw new ModelFormatException(path, "has a header that is not a JSON object");
      }
      long dataStart = 8 + headerLength;
      long dataSize = size - dataStart;
      Map<String, Entry> entries = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getKey().equals("__metadata__")) {
          field
              .getValue()
              .fields()
              .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        entries.put(field.getKey(), parseEntry(path, field.getKey(), field.getValue(), dataSize));
      }
      return new SafeTensorsFile(
          path,
          dataStart,
          Collections.unmodifiableMap(entries),
          Collections.unmodifiableMap(metadata));
    }
  }

  private static Entry parseEntry(Path path, String name, JsonNode node, long dataSize) {
    JsonNode dtypeNode = node.get("dtype");
    JsonNode shapeNode = node.get("shape");
    JsonNode offsets = node.get("data_offsets");
    if (dtypeNode == null
        || shapeNode == null
        || offsets == null
        || !shapeNode.isArray()
        || !offsets.isArray()
        || offsets.size() != 2) {
      throw new ModelFormatException(
          path, "tensor " + name + ": header entry lacks dtype, shape or data_offsets");
    }
    DType dtype;
    try {
      dtype = DType.valueOf(dtypeNode.asText());
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(
          path, "tensor " + name + ": unsupported dtype " + dtypeNode.asText());
    }
    long[] shape = new long[shapeNode.size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong(-1);
      if (shape[i] < 0) {
        throw new ModelFormatException(path, "tensor " + name + ": negative dimension in shape");
      }
      count = Math.multiplyExact(count, shape[i]);
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin || end > dataSize) {
      throw new ModelFormatException(
          path,
          "tensor "
              + name
              + ": bytes "
              + begin
              + ".."
              + end
              + " lie outside the "
              + dataSize
              + " data bytes (truncated file?)");
    }
    if (end - begin != count * dtype.byteSize()) {
      throw new ModelFormatException(
          path,
          "tensor "
              + name
              + ": "
              + (end - begin)
              + " bytes do not fit shape "
              + java.util.Arrays.toString(shape)
              + " of "
              + dtype);
    }
    return new Entry(dtype, shape, begin, end);
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, position + buffer.position());
      if (read < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  /** The file this was read from. */
  public Path path() {
    return path;
  }

  /** The tensor names, in header order. */
  public Set<String> names() {
    return entries.keySet();
  }

  /** Whether the file holds a tensor of this name. */
  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** The optional {@code __metadata__} string map. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tensor's shape, without mapping its bytes. */
  public long[] shape(String name) {
    return entry(name).shape().clone();
  }

  /** The tensor's element type, without mapping its bytes. */
  public DType dtype(String name) {
    return entry(name).dtype();
  }

  /** Where the tensor's bytes lie in the file, when it is stored as fp32. */
  public Optional<FileRange> fp32Range(String name) {
    Entry entry = entry(name);
    return entry.dtype() == DType.F32
        ? Optional.of(new FileRange(path, dataStart + entry.begin(), entry.end() - entry.begin()))
        : Optional.empty();
  }

  /** Maps the tensor's bytes read-only. */
  public Tensor tensor(String name) throws IOException {
    Entry entry = entry(name);
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      ByteBuffer bytes =
          channel.map(
              FileChannel.MapMode.READ_ONLY,
              dataStart + entry.begin(),
              entry.end() - entry.begin());
      return new Tensor(name, entry.dtype(), entry.shape(), bytes);
    }
  }

  private Entry entry(String name) {
    Entry entry = entries.get(name);
    if (entry == null) {
      throw new ModelFormatException(path, "has no tensor " + name);
    }
    return entry;
  }
}
