package network.hydrogen.engine.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.ParameterLayout;
import network.hydrogen.engine.model.SafeTensorsWriter;
import network.hydrogen.engine.model.StableDiffusionModel;

/**
 * Writes a random LoRA of a model's full size, shaped like the kohya LoRAs people share: every
 * Linear (and 1x1 projection) of the UNet's transformer blocks and of the text encoder's layers, at
 * one rank, alpha half the rank, fp16; for benchmarks that need a LoRA without downloading one.
 */
public final class RandomLora {

  private RandomLora() {}

  /** Writes the LoRA for {@code model} to {@code file} and returns its module count. */
  public static int write(StableDiffusionModel model, int rank, Path file, long seed)
      throws IOException {
    if (rank < 1) {
      throw new IllegalArgumentException("the LoRA rank must be at least 1, was " + rank);
    }
    SplittableRandom random = new SplittableRandom(seed);
    SafeTensorsWriter writer = new SafeTensorsWriter();
    int modules =
        add(writer, "lora_unet_", ParameterLayout.unetShapes(model.unet().config()), rank, random);
    if (model.textEncoder() != null) {
      modules +=
          add(
              writer,
              "lora_te_",
              ParameterLayout.textEncoderShapes(model.textEncoder().config()),
              rank,
              random);
    }
    writer.metadata("ss_network_module", "networks.lora");
    writer.metadata("ss_network_dim", Integer.toString(rank));
    writer.write(file);
    return modules;
  }

  private static int add(
      SafeTensorsWriter writer,
      String prefix,
      Map<String, long[]> shapes,
      int rank,
      SplittableRandom random) {
    int modules = 0;
    for (Map.Entry<String, long[]> parameter : shapes.entrySet()) {
      String name = parameter.getKey();
      long[] shape = parameter.getValue();
      boolean linear = shape.length == 2 || (shape.length == 4 && shape[2] == 1 && shape[3] == 1);
      boolean adapted =
          name.contains(".attentions.") && !name.contains("norm")
              || name.contains(".layers.") && !name.contains("layer_norm");
      if (!name.endsWith(".weight") || !linear || !adapted) {
        continue;
      }
      String stem =
          prefix + name.substring(0, name.length() - ".weight".length()).replace('.', '_');
      long in = shape[1];
      long out = shape[0];
      boolean conv = shape.length == 4;
      writer.add(
          stem + ".lora_down.weight",
          DType.F16,
          conv ? new long[] {rank, in, 1, 1} : new long[] {rank, in},
          halves(rank * in, 1 / Math.sqrt(in), random.split()));
      writer.add(
          stem + ".lora_up.weight",
          DType.F16,
          conv ? new long[] {out, rank, 1, 1} : new long[] {out, rank},
          halves(out * rank, 0.01, random.split()));
      writer.add(stem + ".alpha", DType.F16, new long[0], half(rank / 2.0));
      modules++;
    }
    return modules;
  }

  /** {@code count} fp16 values uniform in ±{@code bound}. */
  private static SafeTensorsWriter.Content halves(
      long count, double bound, SplittableRandom random) {
    return channel -> {
      ByteBuffer bytes =
          ByteBuffer.allocate(Math.toIntExact(count * 2)).order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0; i < count; i++) {
        bytes.putShort(Float.floatToFloat16((float) (bound * (2 * random.nextDouble() - 1))));
      }
      bytes.flip();
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    };
  }

  /** One fp16 value. */
  private static SafeTensorsWriter.Content half(double value) {
    return channel -> {
      ByteBuffer bytes = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
      bytes.putShort(Float.floatToFloat16((float) value)).flip();
      channel.write(bytes);
    };
  }
}
