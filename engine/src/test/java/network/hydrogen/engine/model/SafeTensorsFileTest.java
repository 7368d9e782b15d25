package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsFileTest {

  @TempDir Path dir;

  private Path write(String header, byte[] data) throws IOException {
    byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer file =
        ByteBuffer.allocate(8 + headerBytes.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(headerBytes.length).put(headerBytes).put(data);
    Path path = dir.resolve("weights.safetensors");
    Files.write(path, file.array());
    return path;
  }

  @Test
  void readsFp32AndWidensFp16AndBf16() throws IOException {
    ByteBuffer data = ByteBuffer.allocate(8 + 4 + 4).order(ByteOrder.LITTLE_ENDIAN);
    data.putFloat(1.5f).putFloat(-2f);
    data.putShort(Float.floatToFloat16(0.25f)).putShort(Float.floatToFloat16(-3f));
    data.putShort((short) (Float.floatToIntBits(6f) >>> 16))
        .putShort((short) (Float.floatToIntBits(-0.5f) >>> 16));
    Path path =
        write(
            """
            {"__metadata__":{"format":"pt"},
             "a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
             "b":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},
             "c":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]}}""",
            data.array());

    SafeTensorsFile file = SafeTensorsFile.open(path);

    assertThat(file.names()).containsExactly("a", "b", "c");
    assertThat(file.metadata()).containsEntry("format", "pt");
    assertThat(file.shape("b")).containsExactly(1, 2);
    assertThat(values(file.tensor("a"))).containsExactly(1.5f, -2f);
    assertThat(values(file.tensor("b"))).containsExactly(0.25f, -3f);
    assertThat(values(file.tensor("c"))).containsExactly(6f, -0.5f);
  }

  private static float[] values(Tensor tensor) {
    var buffer = tensor.toFloat32();
    float[] out = new float[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  @Test
  void truncatedDataNamesFileAndTensor() throws IOException {
    Path path =
        write("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[10]);

    assertThatThrownBy(() -> SafeTensorsFile.open(path))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(path.toString())
        .hasMessageContaining("tensor w")
        .hasMessageContaining("truncated");
  }

  @Test
  void shapeThatDoesNotMatchBytesIsRefused() throws IOException {
    Path path =
        write("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", new byte[16]);

    assertThatThrownBy(() -> SafeTensorsFile.open(path))
        .hasMessageContaining("tensor w")
        .hasMessageContaining("do not fit shape [3]");
  }

  @Test
  void notASafetensorsFileIsRefused() throws IOException {
    Path path = dir.resolve("x.safetensors");
    Files.write(
        path, "PK\u0003\u0004 this is a zip, not safetensors".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> SafeTensorsFile.open(path))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("not a safetensors file");
  }

  @Test
  void missingTensorIsNamed() throws IOException {
    Path path =
        write("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);

    assertThatThrownBy(() -> SafeTensorsFile.open(path).tensor("v"))
        .hasMessageContaining("has no tensor v");
    assertThat(Arrays.toString(SafeTensorsFile.open(path).shape("w"))).isEqualTo("[1]");
  }
}
