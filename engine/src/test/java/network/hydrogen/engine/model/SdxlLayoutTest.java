package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The config-driven layout reproduces the tensor names and shapes of the tiny SDXL reference model
 * (list-valued transformer depths, a level without attention first, text_time embedding, a text
 * encoder with projection), and its original keys are those of the SGM single file.
 */
class SdxlLayoutTest {

  static final Path LAYOUTS = Path.of("src/test/resources/model-layouts/sdxl-tiny");

  private static Map<String, List<Long>> shapes(Path file) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    ConfigJson.read(file)
        .fields()
        .forEachRemaining(
            e -> {
              List<Long> shape = new java.util.ArrayList<>();
              e.getValue().forEach(d -> shape.add(d.asLong()));
              out.put(e.getKey(), shape);
            });
    return out;
  }

  private static Map<String, List<Long>> asLists(List<Parameter> parameters) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      out.put(p.name(), java.util.Arrays.stream(p.shape()).boxed().toList());
    }
    return out;
  }

  private static JsonNode config(String component) {
    return ConfigJson.read(LAYOUTS.resolve(component + "/config.json"));
  }

  /** Asserts that every parameter's original key is in the single file with the right shape. */
  private static int assertOrigins(List<Parameter> parameters, String prefix) {
    Map<String, List<Long>> checkpoint = shapes(LAYOUTS.resolve("checkpoint-shapes.json"));
    int checked = 0;
    for (Parameter p : parameters) {
      List<Long> shape = java.util.Arrays.stream(p.shape()).boxed().toList();
      switch (p.origin()) {
        case Parameter.Origin.Key key ->
            assertThat(checkpoint.get(prefix + key.key())).as(p.name()).isEqualTo(shape);
        case Parameter.Origin.Squeezed squeezed -> {
          List<Long> kernel = new java.util.ArrayList<>(shape);
          kernel.addAll(List.of(1L, 1L));
          assertThat(checkpoint.get(prefix + squeezed.key())).as(p.name()).isEqualTo(kernel);
        }
        case Parameter.Origin.Rows rows -> {
          List<Long> fused = new java.util.ArrayList<>(shape);
          fused.set(0, shape.getFirst() * rows.count());
          assertThat(checkpoint.get(prefix + rows.key())).as(p.name()).isEqualTo(fused);
        }
        case Parameter.Origin.Transposed transposed ->
            assertThat(checkpoint.get(prefix + transposed.key()))
                .as(p.name())
                .isEqualTo(shape.reversed());
        case Parameter.Origin.None none ->
            throw new AssertionError(p.name() + " has no original key: " + none.why());
      }
      checked++;
    }
    return checked;
  }

  @Test
  void unetLayoutMatchesTheDiffusersFileAndTheSingleFile() {
    UNetConfig config = UNetConfig.parse(config("unet"), "sdxl unet");
    assertThat(config.transformerLayersPerBlock()).containsExactly(1, 1, 2);
    assertThat(config.upTransformerLayers(0)).isEqualTo(2);
    assertThat(config.midTransformerLayers()).isEqualTo(2);
    List<Parameter> layout = ParameterLayout.unet(config);

    assertThat(asLists(layout))
        .isEqualTo(sorted(shapes(LAYOUTS.resolve("unet/shapes.json")), layout));
    assertThat(assertOrigins(layout, "model.diffusion_model.")).isEqualTo(layout.size());
  }

  @Test
  void vaeLayoutMatchesTheDiffusersFileAndTheSingleFile() {
    VaeConfig config = VaeConfig.parse(config("vae"), "sdxl vae");
    assertThat(config.scalingFactor()).isEqualTo(0.13025);
    List<Parameter> layout = ParameterLayout.vae(config);

    assertThat(asLists(layout))
        .isEqualTo(sorted(shapes(LAYOUTS.resolve("vae/shapes.json")), layout));
    assertThat(assertOrigins(layout, "first_stage_model.")).isEqualTo(layout.size());
  }

  @Test
  void textEncoderLayoutsMatchTheDiffusersFilesAndTheSingleFile() {
    ClipTextConfig clip = ClipTextConfig.parse(config("text_encoder"), "sdxl text_encoder");
    List<Parameter> first = ParameterLayout.clip(clip, ParameterLayout.ClipLayout.HUGGING_FACE);
    assertThat(asLists(first))
        .isEqualTo(sorted(shapes(LAYOUTS.resolve("text_encoder/shapes.json")), first));
    assertThat(assertOrigins(first, "conditioner.embedders.0.transformer."))
        .isEqualTo(first.size());

    ClipTextConfig open = ClipTextConfig.parse(config("text_encoder_2"), "sdxl text_encoder_2");
    assertThat(open.withProjection()).isTrue();
    List<Parameter> second = ParameterLayout.clip(open, ParameterLayout.ClipLayout.OPEN_CLIP);
    assertThat(asLists(second))
        .isEqualTo(sorted(shapes(LAYOUTS.resolve("text_encoder_2/shapes.json")), second));
    assertThat(assertOrigins(second, "conditioner.embedders.1.model.")).isEqualTo(second.size());
  }

  /** The file's entries in the layout's order, so that a mismatch shows names side by side. */
  private static Map<String, List<Long>> sorted(
      Map<String, List<Long>> file, List<Parameter> layout) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    for (Parameter p : layout) {
      if (file.containsKey(p.name())) {
        out.put(p.name(), file.get(p.name()));
      }
    }
    file.forEach(out::putIfAbsent);
    return out;
  }
}
