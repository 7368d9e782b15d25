package network.hydrogen.engine.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import network.hydrogen.engine.graph.FloatTensor;

/**
 * A listener that writes a generation's intermediate tensors into a folder, in the layout of the
 * reference data: {@code <name>.f32} (raw little-endian float32, row-major) and an {@code
 * index.json} entry {@code {"file", "shape", "dtype"}} per tensor, so that they can be compared
 * with another implementation's. Progress goes on to {@code progress}.
 */
public final class TensorDump implements GenerationListener {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final GenerationListener progress;
  private final ObjectNode index = JSON.createObjectNode();

  public TensorDump(Path dir, GenerationListener progress) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.progress = progress;
  }

  @Override
  public void onStep(int completed, int total) {
    progress.onStep(completed, total);
  }

  @Override
  public void onTensor(String name, FloatTensor tensor) {
    String file = name + ".f32";
    ByteBuffer bytes =
        ByteBuffer.allocate(tensor.values().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(tensor.values());
    ObjectNode entry = index.putObject(name);
    entry.put("file", file);
    var shape = entry.putArray("shape");
    for (long dimension : tensor.shape()) {
      shape.add(dimension);
    }
    entry.put("dtype", "float32 little-endian");
    try {
      Files.write(dir.resolve(file), bytes.array());
      JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("index.json").toFile(), index);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(file), e);
    }
  }
}
