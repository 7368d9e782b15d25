package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import network.hydrogen.engine.model.ClipTextConfig;
import network.hydrogen.engine.model.SafeTensorsFile;
import network.hydrogen.engine.model.UNetConfig;
import network.hydrogen.engine.model.VaeConfig;
import network.hydrogen.engine.model.WeightSource;

/** A tiny reference model folder and the outputs diffusers computed from it (test data). */
record Reference(Path root) {

  static final Reference SD15 = new Reference(Path.of("src/test/resources/engine-reference/sd15"));
  static final Reference SDXL = new Reference(Path.of("src/test/resources/engine-reference/sdxl"));
  static final Reference SDXL_REFINER =
      new Reference(Path.of("src/test/resources/engine-reference/sdxl-refiner"));
  static final Reference SD2_LIKE =
      new Reference(Path.of("src/test/resources/engine-graph/sd2-like"));

  Path model() {
    return root.resolve("model");
  }

  /** The {@code config.json} of a component folder of the model. */
  JsonNode config(String component) throws IOException {
    return new ObjectMapper().readTree(model().resolve(component).resolve("config.json").toFile());
  }

  UNetConfig unetConfig() throws IOException {
    return UNetConfig.parse(config("unet"), root + " unet");
  }

  ClipTextConfig textConfig(String component) throws IOException {
    return ClipTextConfig.parse(config(component), root + " " + component);
  }

  VaeConfig vaeConfig() throws IOException {
    return VaeConfig.parse(config("vae"), root + " vae");
  }

  JsonNode index() throws IOException {
    // the SDXL index lists scheduler configs with -Infinity, as Python's json writes it
    return JsonMapper.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .build()
        .readTree(root.resolve("golden/index.json").toFile());
  }

  WeightSource weights(String component, String file) throws IOException {
    return WeightSource.of(List.of(SafeTensorsFile.open(model().resolve(component).resolve(file))));
  }

  /** A golden tensor from its index entry ({@code file} and {@code shape}). */
  FloatTensor tensor(JsonNode entry) throws IOException {
    byte[] bytes = Files.readAllBytes(root.resolve(entry.get("file").asText()));
    float[] values = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    long[] shape = new long[entry.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = entry.get("shape").get(i).asLong();
    }
    return new FloatTensor(shape, values);
  }

  /** Token ids of a prompt listed in the index's {@code tokensField.cases}. */
  long[] tokens(String tokensField, String text) throws IOException {
    for (JsonNode c : index().get(tokensField).get("cases")) {
      if (c.get("text").asText().equals(text)) {
        long[] ids = new long[c.get("ids").size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = c.get("ids").get(i).asLong();
        }
        return ids;
      }
    }
    throw new IllegalArgumentException("no token case for " + text);
  }

  /** Asserts the reference tolerance of one network call: 1e-4 x max(1, max |expected|). */
  static void assertClose(FloatTensor actual, FloatTensor expected) {
    assertThat(actual.shape()).containsExactly(expected.shape());
    float maxRef = 0;
    float maxErr = 0;
    for (int i = 0; i < expected.values().length; i++) {
      maxRef = Math.max(maxRef, Math.abs(expected.values()[i]));
      maxErr = Math.max(maxErr, Math.abs(expected.values()[i] - actual.values()[i]));
    }
    double tolerance = 1e-4 * Math.max(1, maxRef);
    System.out.printf("max_abs_err=%.3g tolerance=%.3g%n", maxErr, tolerance);
    assertThat((double) maxErr).isLessThanOrEqualTo(tolerance);
  }

  /** The rows {@code [from, to)} of the first axis. */
  static FloatTensor rows(FloatTensor t, int from, int to) {
    long[] shape = t.shape();
    int rowSize = (int) (t.values().length / shape[0]);
    shape[0] = to - from;
    return new FloatTensor(
        shape, java.util.Arrays.copyOfRange(t.values(), from * rowSize, to * rowSize));
  }
}
