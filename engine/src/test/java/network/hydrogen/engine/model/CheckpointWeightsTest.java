package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameters stored transposed (OpenCLIP's text_projection) come back as a transposed copy; fp32
 * ones stored as they are used are located in the file for ONNX Runtime to read.
 */
class CheckpointWeightsTest {

  @TempDir Path dir;

  @Test
  void aTransposedMatrixIsReadInDiffusersOrientationWhateverItsElementSize() throws IOException {
    ByteBuffer halves = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : new float[] {1, 2, 3, 4, 5, 6}) {
      halves.putShort(Float.floatToFloat16(value));
    }
    halves.flip();
    Path file = dir.resolve("projection.safetensors");
    // stored [2, 3]: rows (1 2 3) and (4 5 6)
    new SafeTensorsWriter()
        .add(new Tensor("model.text_projection", DType.F16, new long[] {2, 3}, halves))
        .write(file);
    SafeTensorsFile checkpoint = SafeTensorsFile.open(file);

    CheckpointWeights weights =
        CheckpointWeights.resolve(
            checkpoint,
            "model.",
            "text encoder",
            List.of(
                new Parameter(
                    "text_projection.weight",
                    new long[] {3, 2},
                    new Parameter.Origin.Transposed("text_projection"))));

    Tensor projection = weights.tensor("text_projection.weight");
    assertThat(projection.dtype()).isEqualTo(DType.F16);
    assertThat(projection.shape()).containsExactly(3, 2);
    float[] values = new float[6];
    projection.toFloat32().get(values);
    assertThat(values).containsExactly(1, 4, 2, 5, 3, 6);
  }

  @Test
  void aTransposedMatrixOfTheWrongShapeIsNamed() throws IOException {
    Path file = dir.resolve("projection.safetensors");
    new SafeTensorsWriter()
        .add(
            new Tensor(
                "model.text_projection", DType.F32, new long[] {2, 3}, ByteBuffer.allocate(24)))
        .write(file);
    SafeTensorsFile checkpoint = SafeTensorsFile.open(file);
    List<Parameter> layout =
        List.of(
            new Parameter(
                "text_projection.weight",
                new long[] {2, 3},
                new Parameter.Origin.Transposed("text_projection")));

    assertThatThrownBy(
            () -> CheckpointWeights.resolve(checkpoint, "model.", "text encoder", layout))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tensor model.text_projection has shape [2, 3]")
        .hasMessageContaining(
            "requires [3, 2] for the text encoder parameter text_projection.weight");
  }

  @Test
  void fp32RowBlocksAreReadInPlaceButTransposedMatricesAreNot() throws IOException {
    ByteBuffer fused = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : new float[] {1, 2, 3, 4, 5, 6, 7, 8}) {
      fused.putFloat(value);
    }
    Path file = dir.resolve("fused.safetensors");
    new SafeTensorsWriter()
        .add(new Tensor("model.in_proj", DType.F32, new long[] {4, 2}, fused.flip()))
        .write(file);
    CheckpointWeights weights =
        CheckpointWeights.resolve(
            SafeTensorsFile.open(file),
            "model.",
            "text encoder",
            List.of(
                new Parameter(
                    "k.weight", new long[] {2, 2}, new Parameter.Origin.Rows("in_proj", 1, 2)),
                new Parameter(
                    "t.weight", new long[] {2, 4}, new Parameter.Origin.Transposed("in_proj"))));

    FileRange k = weights.fp32Range("k.weight").orElseThrow();
    ByteBuffer inFile =
        ByteBuffer.wrap(Files.readAllBytes(file), (int) k.offset(), (int) k.length())
            .order(ByteOrder.LITTLE_ENDIAN);
    assertThat(k.file()).isEqualTo(file);
    assertThat(
            new float[] {
              inFile.getFloat(), inFile.getFloat(), inFile.getFloat(), inFile.getFloat()
            })
        .containsExactly(5, 6, 7, 8);
    assertThat(weights.fp32Range("t.weight")).isEmpty();
  }
}
