package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.TextEncoder;
import network.hydrogen.engine.graph.UNet;
import network.hydrogen.engine.graph.VaeDecoder;
import network.hydrogen.engine.lora.Lora;
import network.hydrogen.engine.lora.LoraFile;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.SafeTensorsWriter;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.model.Tensor;
import network.hydrogen.engine.model.WeightSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline cache: which sessions a new task reuses and which it rebuilds, that the results are
 * a cold load's, and that its sessions are closed when they leave it.
 */
class PipelineCacheTest {

  static final Path MODEL = Path.of("src/test/resources/engine-reference/sd15/model");
  static final Path TEXT_AND_UNET_LORA =
      Path.of("src/test/resources/engine-reference/sd15-lora/lora/tiny_locon_kohya.safetensors");
  static final String TO_Q = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
  static final InferenceOptions OPTIONS = new InferenceOptions(1);
  static final GenerationRequest REQUEST =
      new GenerationRequest(
          "a red fox", "blurry", 64, 48, 3, 7, 5, 1, "EulerDiscreteScheduler", null);

  @TempDir Path dir;

  @Test
  void switchingTheLoraRebuildsOnlyWhatItPatchesAndGivesTheColdLoadsImages() throws IOException {
    Adapters a = adapters(unetLora(1), 0.8);
    Adapters b = adapters(unetLora(2), 0.8);
    Adapters withText = adapters(TEXT_AND_UNET_LORA, 0.8);
    try (PipelineCache cache = new PipelineCache()) {
      Loaded first = load(cache, a);
      assertThat(cache.opened()).isEqualTo(3);

      GeneratedImages switched;
      Loaded second;
      try (PipelineCache.Lease lease = cache.lease();
          TextToImage pipeline = TextToImage.load(model(), OPTIONS, b, null, lease)) {
        switched = pipeline.generate(REQUEST, GenerationListener.none());
        second = Loaded.of(pipeline);
      }
      assertThat(cache.opened()).isEqualTo(4);
      assertThat(cache.reused()).isEqualTo(2);
      assertThat(second.textEncoder()).isSameAs(first.textEncoder());
      assertThat(second.vae()).isSameAs(first.vae());
      assertThat(second.unet()).isNotSameAs(first.unet());
      assertClosed(first.unet());
      GeneratedImages cold = cold(b);
      assertThat(switched.images()).containsExactly(cold.images());
      assertThat(switched.latents()).containsExactly(cold.latents());

      Loaded third = load(cache, withText);
      assertThat(cache.opened()).isEqualTo(6);
      assertThat(third.textEncoder()).isNotSameAs(first.textEncoder());
      assertThat(third.vae()).isSameAs(first.vae());
      assertClosed(first.textEncoder());

      Loaded again = load(cache, withText);
      assertThat(cache.opened()).isEqualTo(6);
      assertThat(again).isEqualTo(third);
      assertThat(cache.open()).isEqualTo(3);
    }
  }

  @Test
  void closingTheCacheClosesItsSessionsAndALaterLeaseStartsEmpty() throws IOException {
    PipelineCache cache = new PipelineCache();
    Loaded loaded = load(cache, Adapters.NONE);

    cache.close();

    assertThat(cache.open()).isZero();
    assertClosed(loaded.unet());
    assertClosed(loaded.textEncoder());
    assertClosed(loaded.vae());
    Loaded reloaded = load(cache, Adapters.NONE);
    assertThat(cache.opened()).isEqualTo(6);
    assertThat(reloaded.unet()).isNotSameAs(loaded.unet());
    cache.close();
  }

  @Test
  void aLeaseClosesTheSlotsItsTaskDidNotUseAndReplacesASlotBeforeOpeningTheNew()
      throws IOException {
    List<String> events = new ArrayList<>();
    try (PipelineCache cache = new PipelineCache()) {
      try (PipelineCache.Lease lease = cache.lease()) {
        network(lease, "unet", "a", events);
        network(lease, "refiner.unet", "r", events);
      }
      try (PipelineCache.Lease lease = cache.lease()) {
        network(lease, "unet", "b", events);
        assertThat(events).containsExactly("open a", "open r", "close a", "open b");
      }
      assertThat(events).endsWith("close r");
      assertThat(cache.open()).isEqualTo(1);
    }
    assertThat(events).endsWith("close b");
  }

  @Test
  void aSlotHoldsOneNetworkPerTaskAndLeasesTakeTurns() throws Exception {
    List<String> events = new ArrayList<>();
    try (PipelineCache cache = new PipelineCache()) {
      PipelineCache.Lease lease = cache.lease();
      network(lease, "unet", "a", events);
      assertThatThrownBy(() -> network(lease, "unet", "b", events))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("slot unet already holds another network");

      CompletableFuture<Void> next =
          CompletableFuture.runAsync(
              () -> {
                try (PipelineCache.Lease other = cache.lease()) {
                  network(other, "unet", "a", events);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      assertThatThrownBy(() -> next.get(300, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      lease.close();
      next.get(10, TimeUnit.SECONDS);
      assertThat(cache.reused()).isEqualTo(1);
    }
  }

  /** The three networks of an SD 1.x pipeline. */
  private record Loaded(TextEncoder textEncoder, UNet unet, VaeDecoder vae) {
    static Loaded of(TextToImage pipeline) {
      return new Loaded(pipeline.textEncoder(), pipeline.unet(), pipeline.vaeDecoder());
    }
  }

  /** Weights that are only a description, for sessions that are no networks. */
  private record Described(String describe) implements WeightSource {
    @Override
    public Set<String> names() {
      return Set.of();
    }

    @Override
    public Tensor tensor(String name) {
      throw new UnsupportedOperationException(name);
    }
  }

  private Loaded load(PipelineCache cache, Adapters adapters) throws IOException {
    try (PipelineCache.Lease lease = cache.lease();
        TextToImage pipeline = TextToImage.load(model(), OPTIONS, adapters, null, lease)) {
      return Loaded.of(pipeline);
    }
  }

  private static GeneratedImages cold(Adapters adapters) throws IOException {
    try (TextToImage pipeline = TextToImage.load(model(), OPTIONS, adapters)) {
      return pipeline.generate(REQUEST, GenerationListener.none());
    }
  }

  /** A task's model as each task opens it: anew. */
  private static StableDiffusionModel model() throws IOException {
    return ModelFiles.open(MODEL);
  }

  private static void assertClosed(Object network) {
    assertThatThrownBy(
            () -> {
              switch (network) {
                case UNet unet ->
                    unet.predict(
                        new FloatTensor(new long[] {1, 4, 8, 8}, new float[256]),
                        new float[] {1},
                        new FloatTensor(new long[] {1, 77, 32}, new float[77 * 32]));
                case TextEncoder encoder -> encoder.encode(new int[][] {new int[77]});
                case VaeDecoder vae ->
                    vae.decode(new FloatTensor(new long[] {1, 4, 8, 8}, new float[256]));
                default -> throw new AssertionError(network);
              }
            })
        .as("a closed session refuses to run")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  /** A stand-in session in {@code slot} that records its opening and closing in {@code events}. */
  private static void network(
      PipelineCache.Lease lease, String slot, String weights, List<String> events)
      throws IOException {
    lease.network(
        slot,
        "Stand-in",
        "config",
        new Described(weights),
        OPTIONS,
        () -> {
          events.add("open " + weights);
          return () -> events.add("close " + weights);
        });
  }

  private static Adapters adapters(Path lora, double scale) throws IOException {
    return new Adapters(List.of(new Lora(LoraFile.open(lora), scale)), List.of());
  }

  /** A UNet-only LoRA: one kohya module on a self-attention query. */
  private Path unetLora(long seed) throws IOException {
    StableDiffusionModel model = model();
    long[] shape = model.unet().weights().shape(TO_Q + ".weight");
    String stem = "lora_unet_" + TO_Q.replace('.', '_');
    Path file = dir.resolve("unet-lora-" + seed + ".safetensors");
    new SafeTensorsWriter()
        .add(tensor(stem + ".lora_down.weight", random(2 * shape[1], seed), 2, shape[1]))
        .add(tensor(stem + ".lora_up.weight", random(shape[0] * 2, seed + 100), shape[0], 2))
        .write(file);
    return file;
  }

  private static float[] random(long count, long seed) {
    Random random = new Random(seed);
    float[] values = new float[(int) count];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian() * 0.5f;
    }
    return values;
  }

  private static Tensor tensor(String name, float[] values, long... shape) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return new Tensor(name, DType.F32, shape, bytes);
  }
}
