package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsWriterTest {

  @TempDir Path dir;

  @Test
  void writtenFileReadsBackWithAlignedData() throws IOException {
    ByteBuffer values = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    values.putFloat(1f).putFloat(-2f).putFloat(0.5f).flip();
    ByteBuffer half = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
    half.putShort(Float.floatToFloat16(3f)).flip();
    Path file = dir.resolve("out.safetensors");

    new SafeTensorsWriter()
        .metadata("format", "pt")
        .add(new Tensor("a.weight", DType.F32, new long[] {3, 1}, values))
        .add(new Tensor("b", DType.F16, new long[] {1}, half))
        .write(file);

    SafeTensorsFile read = SafeTensorsFile.open(file);
    assertThat(read.names()).containsExactly("a.weight", "b");
    assertThat(read.metadata()).containsEntry("format", "pt");
    assertThat(read.shape("a.weight")).containsExactly(3, 1);
    float[] a = new float[3];
    read.tensor("a.weight").toFloat32().get(a);
    assertThat(a).containsExactly(1f, -2f, 0.5f);
    assertThat(read.tensor("b").toFloat32().get(0)).isEqualTo(3f);
    long headerLength =
        ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).isZero();
    assertThat(Files.size(file)).isEqualTo(8 + headerLength + 14);
  }

  @Test
  void refusesBytesThatDoNotFitTheShapeAndRepeatedNames() {
    SafeTensorsWriter writer = new SafeTensorsWriter();
    assertThatThrownBy(
            () -> writer.add(new Tensor("w", DType.F32, new long[] {2}, ByteBuffer.allocate(4))))
        .hasMessageContaining("tensor w has 4 bytes, but shape [2] of F32 needs 8");
    writer.add(new Tensor("w", DType.F32, new long[] {1}, ByteBuffer.allocate(4)));
    assertThatThrownBy(
            () -> writer.add(new Tensor("w", DType.F32, new long[] {1}, ByteBuffer.allocate(4))))
        .hasMessageContaining("taken");
  }
}
