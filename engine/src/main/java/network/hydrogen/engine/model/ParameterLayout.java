package network.hydrogen.engine.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters (diffusers names and shapes) that a config requires, each with its key in the
 * original LDM/SGM layout, derived from the config's block structure the way diffusers builds its
 * modules and its single-file converter maps them. This is the one list of a network's parameters:
 * the loader checks and maps checkpoints against it, and the graph builders take every weight's
 * shape from it.
 */
public final class ParameterLayout {

  private static final int MAX_LISTED = 10;

  private ParameterLayout() {}

  /** The layout of a text encoder's original-format keys. */
  enum ClipLayout {
    /** Hugging Face CLIP names (SD 1.x {@code cond_stage_model.transformer.*}). */
    HUGGING_FACE,
    /** OpenCLIP names (SD 2.x {@code cond_stage_model.model.*}): fused q/k/v, resblocks. */
    OPEN_CLIP
  }

  /** The UNet's parameter names and shapes, in module order. */
  public static Map<String, long[]> unetShapes(UNetConfig config) {
    return shapes(unet(config));
  }

  /**
   * Each UNet parameter's key in the original (LDM/SGM) layout, where the checkpoint keeps it whole
   * under a key of its own (a squeezed 1x1 kernel included): the names that LoRAs trained on the
   * original UNet (kohya's SDXL LoRAs) use for the same modules.
   */
  public static Map<String, String> unetOriginalKeys(UNetConfig config) {
    Map<String, String> keys = new LinkedHashMap<>();
    for (Parameter p : unet(config)) {
      switch (p.origin()) {
        case Parameter.Origin.Key key -> keys.put(p.name(), key.key());
        case Parameter.Origin.Squeezed squeezed -> keys.put(p.name(), squeezed.key());
        default -> {}
      }
    }
    return Collections.unmodifiableMap(keys);
  }

  /** The ControlNet's parameter names and shapes, in module order. */
  public static Map<String, long[]> controlNetShapes(ControlNetConfig config) {
    return shapes(controlNet(config));
  }

  /**
   * The channels of the UNet's skip connections in the order the down path makes them (conv_in,
   * each down block's layers, its downsampler): the shapes of a ControlNet's down residuals.
   */
  public static List<Long> skipChannels(UNetConfig config) {
    List<Long> skips = new ArrayList<>();
    List<Integer> channels = config.blockOutChannels();
    skips.add((long) channels.getFirst());
    for (int level = 0; level < config.levels(); level++) {
      for (int layer = 0; layer < config.layersPerBlock(); layer++) {
        skips.add((long) channels.get(level));
      }
      if (level < config.levels() - 1) {
        skips.add((long) channels.get(level));
      }
    }
    return List.copyOf(skips);
  }

  /** The VAE's parameter names and shapes, in module order. */
  public static Map<String, long[]> vaeShapes(VaeConfig config) {
    return shapes(vae(config));
  }

  /** The text encoder's parameter names and shapes, in module order. */
  public static Map<String, long[]> textEncoderShapes(ClipTextConfig config) {
    return shapes(clip(config, ClipLayout.HUGGING_FACE));
  }

  /**
   * Checks that {@code weights} hold every parameter of {@code required} with that shape and a
   * floating-point type: the one check of weights against a config, at load time and again when a
   * network is built on weights from elsewhere.
   *
   * @param network what the weights are for, for the message (e.g. "UNet")
   * @throws ModelFormatException naming the weights' source, the missing or mis-shaped tensors (the
   *     first ten) and how many problems there are
   */
  public static void check(String network, Map<String, long[]> required, WeightSource weights)
      throws IOException {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, long[]> parameter : required.entrySet()) {
      String name = parameter.getKey();
      long[] want = parameter.getValue();
      if (!weights.names().contains(name)) {
        problems.add("no tensor " + name + " " + Arrays.toString(want));
        continue;
      }
      long[] have = weights.shape(name);
      if (!Arrays.equals(have, want)) {
        problems.add(
            "tensor "
                + name
                + " has shape "
                + Arrays.toString(have)
                + " but the config requires "
                + Arrays.toString(want));
      } else if (!weights.dtype(name).isFloat()) {
        problems.add(
            "tensor " + name + " has type " + weights.dtype(name) + ", not a floating-point type");
      }
    }
    if (!problems.isEmpty()) {
      String listed = String.join("; ", problems.subList(0, Math.min(MAX_LISTED, problems.size())));
      String more =
          problems.size() > MAX_LISTED ? "; and " + (problems.size() - MAX_LISTED) + " more" : "";
      throw new ModelFormatException(
          weights.describe()
              + ": the "
              + network
              + " weights do not match the config ("
              + problems.size()
              + (problems.size() == 1 ? " problem): " : " problems): ")
              + listed
              + more);
    }
  }

  private static Map<String, long[]> shapes(List<Parameter> parameters) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      out.put(p.name(), p.shape().clone());
    }
    return Collections.unmodifiableMap(out);
  }

  /** Collects parameters with the diffusers and original names of each module. */
  private static final class Params {
    final List<Parameter> list = new ArrayList<>();

    void add(String name, Parameter.Origin origin, long... shape) {
      list.add(new Parameter(name, shape, origin));
    }

    void same(String name, String original, long... shape) {
      add(name, new Parameter.Origin.Key(original), shape);
    }

    void weightAndBias(String name, String original, long[] weightShape) {
      same(name + ".weight", original + ".weight", weightShape);
      same(name + ".bias", original + ".bias", weightShape[0]);
    }

    void linear(String name, String original, long out, long in) {
      weightAndBias(name, original, new long[] {out, in});
    }

    void conv(String name, String original, long out, long in, long kernel) {
      weightAndBias(name, original, new long[] {out, in, kernel, kernel});
    }

    void norm(String name, String original, long channels) {
      weightAndBias(name, original, new long[] {channels});
    }
  }

  // ---- UNet2DConditionModel ----

  static List<Parameter> unet(UNetConfig c) {
    Params p = new Params();
    unetEncoder(p, c);
    unetDecoder(p, c);
    return p.list;
  }

  /** conv_in, the time (and added) embedding, the down blocks and the mid block. */
  private static void unetEncoder(Params p, UNetConfig c) {
    List<Integer> channels = c.blockOutChannels();
    int levels = c.levels();
    long first = channels.getFirst();
    long temb = c.timeEmbedDim();

    p.conv("conv_in", "input_blocks.0.0", first, c.inChannels(), c.convInKernel());
    p.linear("time_embedding.linear_1", "time_embed.0", temb, first);
    p.linear("time_embedding.linear_2", "time_embed.2", temb, temb);
    if (c.timeCondProjDim() != null) {
      p.add(
          "time_embedding.cond_proj.weight",
          new Parameter.Origin.None("the original format has no timestep-condition projection"),
          first,
          c.timeCondProjDim());
    }
    if ("text_time".equals(c.additionEmbedType())) {
      p.linear(
          "add_embedding.linear_1", "label_emb.0.0", temb, c.projectionClassEmbeddingsInputDim());
      p.linear("add_embedding.linear_2", "label_emb.0.2", temb, temb);
    }

    int input = 1;
    long out = first;
    for (int level = 0; level < levels; level++) {
      long in = out;
      out = channels.get(level);
      boolean attention = c.downBlockTypes().get(level).equals(UNetConfig.CROSS_ATTN_DOWN);
      for (int layer = 0; layer < c.layersPerBlock(); layer++) {
        String block = "down_blocks." + level;
        unetResnet(p, block + ".resnets." + layer, "input_blocks." + input + ".0", in, out, temb);
        if (attention) {
          transformer(
              p,
              c,
              block + ".attentions." + layer,
              "input_blocks." + input + ".1",
              out,
              c.transformerLayersPerBlock().get(level));
        }
        in = out;
        input++;
      }
      if (level < levels - 1) {
        p.conv(
            "down_blocks." + level + ".downsamplers.0.conv",
            "input_blocks." + input + ".0.op",
            out,
            out,
            3);
        input++;
      }
    }

    long deepest = channels.getLast();
    unetResnet(p, "mid_block.resnets.0", "middle_block.0", deepest, deepest, temb);
    transformer(
        p, c, "mid_block.attentions.0", "middle_block.1", deepest, c.midTransformerLayers());
    unetResnet(p, "mid_block.resnets.1", "middle_block.2", deepest, deepest, temb);
  }

  /**
   * A ControlNet: the UNet's encoder half (original keys as in the UNet, under the ControlNet's
   * {@code control_model.} prefix), the conditioning embedding ({@code input_hint_block}) and the
   * zero convolutions of each residual ({@code zero_convs}, {@code middle_block_out}).
   */
  static List<Parameter> controlNet(ControlNetConfig config) {
    Params p = new Params();
    UNetConfig c = config.unet();
    unetEncoder(p, c);
    List<Integer> hint = config.conditioningEmbeddingOutChannels();
    String embedding = "controlnet_cond_embedding";
    p.conv(
        embedding + ".conv_in",
        "input_hint_block.0",
        hint.getFirst(),
        config.conditioningChannels(),
        3);
    int original = 2;
    for (int i = 0; i < hint.size() - 1; i++) {
      p.conv(
          embedding + ".blocks." + (2 * i),
          "input_hint_block." + original,
          hint.get(i),
          hint.get(i),
          3);
      p.conv(
          embedding + ".blocks." + (2 * i + 1),
          "input_hint_block." + (original + 2),
          hint.get(i + 1),
          hint.get(i),
          3);
      original += 4;
    }
    p.conv(
        embedding + ".conv_out",
        "input_hint_block." + original,
        c.blockOutChannels().getFirst(),
        hint.getLast(),
        3);
    List<Long> skips = skipChannels(c);
    for (int i = 0; i < skips.size(); i++) {
      p.conv(
          "controlnet_down_blocks." + i, "zero_convs." + i + ".0", skips.get(i), skips.get(i), 1);
    }
    long deepest = c.blockOutChannels().getLast();
    p.conv("controlnet_mid_block", "middle_block_out.0", deepest, deepest, 1);
    return p.list;
  }

  /** Up blocks, conv_norm_out, conv_out: the UNet's decoder half. */
  private static void unetDecoder(Params p, UNetConfig c) {
    List<Integer> channels = c.blockOutChannels();
    int levels = c.levels();
    long first = channels.getFirst();
    long temb = c.timeEmbedDim();
    long deepest = channels.getLast();
    int output = 0;
    long previous = deepest;
    for (int i = 0; i < levels; i++) {
      int level = levels - 1 - i;
      long blockOut = channels.get(level);
      long skipFromBelow = channels.get(Math.max(level - 1, 0));
      boolean attention = c.upBlockTypes().get(i).equals(UNetConfig.CROSS_ATTN_UP);
      String block = "up_blocks." + i;
      int layers = c.layersPerBlock() + 1;
      for (int layer = 0; layer < layers; layer++) {
        long skip = layer == layers - 1 ? skipFromBelow : blockOut;
        long in = layer == 0 ? previous : blockOut;
        String original = "output_blocks." + output;
        unetResnet(p, block + ".resnets." + layer, original + ".0", in + skip, blockOut, temb);
        if (attention) {
          transformer(
              p,
              c,
              block + ".attentions." + layer,
              original + ".1",
              blockOut,
              c.upTransformerLayers(i));
        }
        if (layer == layers - 1 && i < levels - 1) {
          p.conv(
              block + ".upsamplers.0.conv",
              original + (attention ? ".2" : ".1") + ".conv",
              blockOut,
              blockOut,
              3);
        }
        output++;
      }
      previous = blockOut;
    }

    p.norm("conv_norm_out", "out.0", first);
    p.conv("conv_out", "out.2", c.outChannels(), first, c.convOutKernel());
  }

  private static void unetResnet(
      Params p, String name, String original, long in, long out, long temb) {
    p.norm(name + ".norm1", original + ".in_layers.0", in);
    p.conv(name + ".conv1", original + ".in_layers.2", out, in, 3);
    p.linear(name + ".time_emb_proj", original + ".emb_layers.1", out, temb);
    p.norm(name + ".norm2", original + ".out_layers.0", out);
    p.conv(name + ".conv2", original + ".out_layers.3", out, out, 3);
    if (in != out) {
      p.conv(name + ".conv_shortcut", original + ".skip_connection", out, in, 1);
    }
  }

  /** A Transformer2DModel whose inner width equals its channels, as in every SD UNet. */
  private static void transformer(
      Params p, UNetConfig c, String name, String original, long channels, int layers) {
    p.norm(name + ".norm", original + ".norm", channels);
    if (c.useLinearProjection()) {
      p.linear(name + ".proj_in", original + ".proj_in", channels, channels);
    } else {
      p.conv(name + ".proj_in", original + ".proj_in", channels, channels, 1);
    }
    long context = c.crossAttentionDim();
    for (int t = 0; t < layers; t++) {
      String block = name + ".transformer_blocks." + t;
      String originalBlock = original + ".transformer_blocks." + t;
      p.norm(block + ".norm1", originalBlock + ".norm1", channels);
      attention(p, block + ".attn1", originalBlock + ".attn1", channels, channels);
      p.norm(block + ".norm2", originalBlock + ".norm2", channels);
      attention(p, block + ".attn2", originalBlock + ".attn2", channels, context);
      p.norm(block + ".norm3", originalBlock + ".norm3", channels);
      p.linear(block + ".ff.net.0.proj", originalBlock + ".ff.net.0.proj", 8 * channels, channels);
      p.linear(block + ".ff.net.2", originalBlock + ".ff.net.2", channels, 4 * channels);
    }
    if (c.useLinearProjection()) {
      p.linear(name + ".proj_out", original + ".proj_out", channels, channels);
    } else {
      p.conv(name + ".proj_out", original + ".proj_out", channels, channels, 1);
    }
  }

  private static void attention(Params p, String name, String original, long dim, long context) {
    p.same(name + ".to_q.weight", original + ".to_q.weight", dim, dim);
    p.same(name + ".to_k.weight", original + ".to_k.weight", dim, context);
    p.same(name + ".to_v.weight", original + ".to_v.weight", dim, context);
    p.linear(name + ".to_out.0", original + ".to_out.0", dim, dim);
  }

  // ---- AutoencoderKL ----

  static List<Parameter> vae(VaeConfig c) {
    Params p = new Params();
    List<Integer> channels = c.blockOutChannels();
    int levels = c.levels();
    long first = channels.getFirst();
    long deepest = channels.getLast();
    long latent = c.latentChannels();

    p.conv("encoder.conv_in", "encoder.conv_in", first, c.inChannels(), 3);
    long out = first;
    for (int level = 0; level < levels; level++) {
      long in = out;
      out = channels.get(level);
      for (int layer = 0; layer < c.layersPerBlock(); layer++) {
        vaeResnet(
            p,
            "encoder.down_blocks." + level + ".resnets." + layer,
            "encoder.down." + level + ".block." + layer,
            in,
            out);
        in = out;
      }
      if (level < levels - 1) {
        p.conv(
            "encoder.down_blocks." + level + ".downsamplers.0.conv",
            "encoder.down." + level + ".downsample.conv",
            out,
            out,
            3);
      }
    }
    vaeMid(p, c, "encoder", deepest);
    p.norm("encoder.conv_norm_out", "encoder.norm_out", deepest);
    p.conv("encoder.conv_out", "encoder.conv_out", 2 * latent, deepest, 3);
    if (c.useQuantConv()) {
      p.conv("quant_conv", "quant_conv", 2 * latent, 2 * latent, 1);
    }
    if (c.usePostQuantConv()) {
      p.conv("post_quant_conv", "post_quant_conv", latent, latent, 1);
    }

    p.conv("decoder.conv_in", "decoder.conv_in", deepest, latent, 3);
    vaeMid(p, c, "decoder", deepest);
    long previous = deepest;
    for (int i = 0; i < levels; i++) {
      int level = levels - 1 - i;
      long blockOut = channels.get(level);
      for (int layer = 0; layer < c.layersPerBlock() + 1; layer++) {
        vaeResnet(
            p,
            "decoder.up_blocks." + i + ".resnets." + layer,
            "decoder.up." + level + ".block." + layer,
            layer == 0 ? previous : blockOut,
            blockOut);
      }
      if (i < levels - 1) {
        p.conv(
            "decoder.up_blocks." + i + ".upsamplers.0.conv",
            "decoder.up." + level + ".upsample.conv",
            blockOut,
            blockOut,
            3);
      }
      previous = blockOut;
    }
    p.norm("decoder.conv_norm_out", "decoder.norm_out", first);
    p.conv("decoder.conv_out", "decoder.conv_out", c.outChannels(), first, 3);
    return p.list;
  }

  private static void vaeMid(Params p, VaeConfig c, String coder, long channels) {
    String name = coder + ".mid_block";
    String original = coder + ".mid";
    vaeResnet(p, name + ".resnets.0", original + ".block_1", channels, channels);
    if (c.midBlockAddAttention()) {
      String attention = name + ".attentions.0";
      String originalAttention = original + ".attn_1";
      p.norm(attention + ".group_norm", originalAttention + ".norm", channels);
      squeezedLinear(p, attention + ".to_q", originalAttention + ".q", channels);
      squeezedLinear(p, attention + ".to_k", originalAttention + ".k", channels);
      squeezedLinear(p, attention + ".to_v", originalAttention + ".v", channels);
      squeezedLinear(p, attention + ".to_out.0", originalAttention + ".proj_out", channels);
    }
    vaeResnet(p, name + ".resnets.1", original + ".block_2", channels, channels);
  }

  /** A linear layer stored as a 1x1 convolution in the original VAE. */
  private static void squeezedLinear(Params p, String name, String original, long channels) {
    p.add(
        name + ".weight", new Parameter.Origin.Squeezed(original + ".weight"), channels, channels);
    p.same(name + ".bias", original + ".bias", channels);
  }

  private static void vaeResnet(Params p, String name, String original, long in, long out) {
    p.norm(name + ".norm1", original + ".norm1", in);
    p.conv(name + ".conv1", original + ".conv1", out, in, 3);
    p.norm(name + ".norm2", original + ".norm2", out);
    p.conv(name + ".conv2", original + ".conv2", out, out, 3);
    if (in != out) {
      p.conv(name + ".conv_shortcut", original + ".nin_shortcut", out, in, 1);
    }
  }

  // ---- CLIPTextModel / CLIPTextModelWithProjection ----

  static List<Parameter> clip(ClipTextConfig c, ClipLayout layout) {
    Params p = new Params();
    long width = c.hiddenSize();
    boolean open = layout == ClipLayout.OPEN_CLIP;
    p.same(
        "text_model.embeddings.token_embedding.weight",
        open ? "token_embedding.weight" : "text_model.embeddings.token_embedding.weight",
        c.vocabSize(),
        width);
    p.same(
        "text_model.embeddings.position_embedding.weight",
        open ? "positional_embedding" : "text_model.embeddings.position_embedding.weight",
        c.maxPositionEmbeddings(),
        width);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String name = "text_model.encoder.layers." + l;
      if (!open) {
        clipEncoderLayer(p, name, width, c.intermediateSize());
        continue;
      }
      String block = "transformer.resblocks." + l;
      List<String> fused = List.of("q_proj", "k_proj", "v_proj");
      for (int i = 0; i < 3; i++) {
        String projection = name + ".self_attn." + fused.get(i);
        p.add(
            projection + ".weight",
            new Parameter.Origin.Rows(block + ".attn.in_proj_weight", i, 3),
            width,
            width);
        p.add(
            projection + ".bias",
            new Parameter.Origin.Rows(block + ".attn.in_proj_bias", i, 3),
            width);
      }
      p.linear(name + ".self_attn.out_proj", block + ".attn.out_proj", width, width);
      p.norm(name + ".layer_norm1", block + ".ln_1", width);
      p.linear(name + ".mlp.fc1", block + ".mlp.c_fc", c.intermediateSize(), width);
      p.linear(name + ".mlp.fc2", block + ".mlp.c_proj", width, c.intermediateSize());
      p.norm(name + ".layer_norm2", block + ".ln_2", width);
    }
    p.norm("text_model.final_layer_norm", open ? "ln_final" : "text_model.final_layer_norm", width);
    if (c.withProjection()) {
      p.add(
          "text_projection.weight",
          open
              ? new Parameter.Origin.Transposed("text_projection")
              : new Parameter.Origin.Key("text_projection.weight"),
          c.projectionDim(),
          width);
    }
    return p.list;
  }

  /**
   * transformers' {@code CLIPEncoderLayer} under {@code name}, as the Hugging Face files name it.
   */
  private static void clipEncoderLayer(Params p, String name, long width, long intermediate) {
    for (String projection : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
      p.linear(name + ".self_attn." + projection, name + ".self_attn." + projection, width, width);
    }
    p.norm(name + ".layer_norm1", name + ".layer_norm1", width);
    p.linear(name + ".mlp.fc1", name + ".mlp.fc1", intermediate, width);
    p.linear(name + ".mlp.fc2", name + ".mlp.fc2", width, intermediate);
    p.norm(name + ".layer_norm2", name + ".layer_norm2", width);
  }

  // ---- StableDiffusionSafetyChecker ----

  /**
   * The safety checker's network parameters (CLIP vision tower and visual projection), names and
   * shapes in module order; {@code tower} is the vision tower's name prefix, {@code
   * vision_model.vision_model.} in the published files.
   */
  public static Map<String, long[]> safetyCheckerShapes(ClipVisionConfig c, String tower) {
    Params p = new Params();
    long width = c.hiddenSize();
    p.same(tower + "embeddings.class_embedding", tower + "embeddings.class_embedding", width);
    p.add(
        tower + "embeddings.patch_embedding.weight",
        new Parameter.Origin.Key(tower + "embeddings.patch_embedding.weight"),
        width,
        c.numChannels(),
        c.patchSize(),
        c.patchSize());
    p.same(
        tower + "embeddings.position_embedding.weight",
        tower + "embeddings.position_embedding.weight",
        c.patches() + 1,
        width);
    p.norm(tower + "pre_layrnorm", tower + "pre_layrnorm", width);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      clipEncoderLayer(p, tower + "encoder.layers." + l, width, c.intermediateSize());
    }
    p.norm(tower + "post_layernorm", tower + "post_layernorm", width);
    p.same("visual_projection.weight", "visual_projection.weight", c.projectionDim(), width);
    return shapes(p.list);
  }
}
