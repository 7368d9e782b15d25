package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The config of a diffusers {@code UNet2DConditionModel} ({@code unet/config.json}), with the
 * diffusers field names and defaults. Fields that diffusers accepts as one integer or one per level
 * ({@code attention_head_dim}, {@code num_attention_heads}, {@code transformer_layers_per_block})
 * are given here as one value per level of {@code block_out_channels}. Parsing refuses, naming the
 * file and the field, the variants the engine does not run (class embeddings, other block or
 * attention types, ...); fields that can then only hold their default are left out.
 *
 * <p>Beware the diffusers naming quirk: without {@code num_attention_heads}, {@code
 * attention_head_dim} is the number of heads; use {@link #headsAt(int)}.
 *
 * @param additionEmbedType {@code text_time} (SDXL's added conditioning) or null
 * @param timeCondProjDim the guidance-embedding width of LCM-distilled UNets, or null
 */
public record UNetConfig(
    Integer sampleSize,
    int inChannels,
    int outChannels,
    boolean centerInputSample,
    boolean flipSinToCos,
    int freqShift,
    List<String> downBlockTypes,
    List<String> upBlockTypes,
    List<Integer> blockOutChannels,
    int layersPerBlock,
    int downsamplePadding,
    double midBlockScaleFactor,
    int normNumGroups,
    double normEps,
    int crossAttentionDim,
    List<Integer> transformerLayersPerBlock,
    List<Integer> reverseTransformerLayersPerBlock,
    List<Integer> attentionHeadDim,
    List<Integer> numAttentionHeads,
    boolean useLinearProjection,
    String additionEmbedType,
    Integer additionTimeEmbedDim,
    boolean upcastAttention,
    Integer timeEmbeddingDim,
    Integer timeCondProjDim,
    int convInKernel,
    int convOutKernel,
    Integer projectionClassEmbeddingsInputDim) {

  public static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
  public static final String DOWN = "DownBlock2D";
  public static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
  public static final String UP = "UpBlock2D";
  public static final String CROSS_ATTN_MID = "UNetMidBlock2DCrossAttn";

  public UNetConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    blockOutChannels = List.copyOf(blockOutChannels);
    transformerLayersPerBlock = List.copyOf(transformerLayersPerBlock);
    reverseTransformerLayersPerBlock =
        reverseTransformerLayersPerBlock == null
            ? null
            : List.copyOf(reverseTransformerLayersPerBlock);
    attentionHeadDim = List.copyOf(attentionHeadDim);
    numAttentionHeads = numAttentionHeads == null ? null : List.copyOf(numAttentionHeads);
  }

  /** Parses a {@code config.json} tree; {@code source} names it in errors. */
  public static UNetConfig parse(JsonNode json, String source) {
    ConfigJson c = new ConfigJson(json, source);
    requireSupported(c);
    List<Integer> blockOut = c.integers("block_out_channels", List.of(320, 640, 1280, 1280));
    int levels = blockOut.size();
    if (levels == 0) {
      throw c.unsupported("block_out_channels", "a UNet needs at least one level");
    }
    List<String> down =
        c.strings(
            "down_block_types", List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN));
    List<String> up =
        c.strings("up_block_types", List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP));
    if (down.size() != levels || up.size() != levels) {
      throw new ModelFormatException(
          source
              + ": down_block_types and up_block_types must have one entry per block_out_channels"
              + " level ("
              + levels
              + ")");
    }
    requireAll(c, "down_block_types", down, Set.of(CROSS_ATTN_DOWN, DOWN));
    requireAll(c, "up_block_types", up, Set.of(CROSS_ATTN_UP, UP));
    List<Integer> headDim = c.perLevel("attention_head_dim", levels);
    List<Integer> heads = c.perLevel("num_attention_heads", levels);
    List<Integer> transformerLayers = c.perLevel("transformer_layers_per_block", levels);
    List<Integer> reverseLayers = c.integers("reverse_transformer_layers_per_block", null);
    if (reverseLayers != null && reverseLayers.size() != levels) {
      throw c.unsupported(
          "reverse_transformer_layers_per_block", "it needs one value per level (" + levels + ")");
    }
    String addition = c.string("addition_embed_type", null);
    Integer additionInput = c.optionalInteger("projection_class_embeddings_input_dim");
    if (addition != null && !addition.equals("text_time")) {
      throw c.unsupported("addition_embed_type", "only text_time (SDXL) is supported");
    }
    if (addition != null && additionInput == null) {
      throw c.unsupported(
          "addition_embed_type", "text_time needs projection_class_embeddings_input_dim");
    }
    if (addition != null && c.optionalInteger("addition_time_embed_dim") == null) {
      throw c.unsupported("addition_embed_type", "text_time needs addition_time_embed_dim");
    }
    UNetConfig config =
        new UNetConfig(
            c.optionalInteger("sample_size"),
            c.integer("in_channels", 4),
            c.integer("out_channels", 4),
            c.bool("center_input_sample", false),
            c.bool("flip_sin_to_cos", true),
            c.integer("freq_shift", 0),
            down,
            up,
            blockOut,
            c.integer("layers_per_block", 2),
            c.integer("downsample_padding", 1),
            c.number("mid_block_scale_factor", 1),
            c.integer("norm_num_groups", 32),
            c.number("norm_eps", 1e-5),
            c.integer("cross_attention_dim", 1280),
            transformerLayers == null ? Collections.nCopies(levels, 1) : transformerLayers,
            reverseLayers,
            headDim == null ? Collections.nCopies(levels, 8) : headDim,
            heads,
            c.bool("use_linear_projection", false),
            addition,
            c.optionalInteger("addition_time_embed_dim"),
            c.bool("upcast_attention", false),
            c.optionalInteger("time_embedding_dim"),
            c.optionalInteger("time_cond_proj_dim"),
            c.integer("conv_in_kernel", 3),
            c.integer("conv_out_kernel", 3),
            additionInput);
    for (int level = 0; level < levels; level++) {
      if (blockOut.get(level) % config.headsAt(level) != 0) {
        throw c.unsupported(
            heads != null ? "num_attention_heads" : "attention_head_dim",
            "level "
                + level
                + ": "
                + blockOut.get(level)
                + " channels do not split into "
                + config.headsAt(level)
                + " heads");
      }
    }
    return config;
  }

  /** Refuses the fields that select a variant the engine neither maps nor runs. */
  private static void requireSupported(ConfigJson c) {
    JsonNode json = c.root();
    for (String field : List.of("layers_per_block", "cross_attention_dim")) {
      if (json.path(field).isArray()) {
        throw c.unsupported(field, "only one integer for every level is supported");
      }
    }
    if (json.path("transformer_layers_per_block").path(0).isArray()) {
      throw c.unsupported(
          "transformer_layers_per_block", "nested per-layer lists are not supported");
    }
    c.requireUnset("class_embed_type", "class-conditioned UNets are not supported");
    c.requireUnset("num_class_embeds", "class-conditioned UNets are not supported");
    c.requireUnset("encoder_hid_dim", "encoder hidden projections are not supported");
    c.requireUnset("encoder_hid_dim_type", "encoder hidden projections are not supported");
    c.requireUnset("timestep_post_act", "a post-timestep activation is not supported");
    c.requireUnset("time_embedding_act_fn", "a time-embedding activation is not supported");
    c.requireUnset("dual_cross_attention", "dual cross-attention is not supported");
    c.requireUnset("only_cross_attention", "cross-attention-only blocks are not supported");
    c.requireUnset(
        "mid_block_only_cross_attention", "cross-attention-only blocks are not supported");
    c.requireUnset("cross_attention_norm", "cross-attention norms are not supported");
    c.requireUnset("resnet_skip_time_act", "resnets without time activation are not supported");
    c.requireUnset("class_embeddings_concat", "class-conditioned UNets are not supported");
    c.requireValue("mid_block_type", CROSS_ATTN_MID);
    c.requireValue("act_fn", "silu");
    c.requireValue("time_embedding_type", "positional");
    c.requireValue("resnet_time_scale_shift", "default");
    c.requireValue("attention_type", "default");
  }

  private static void requireAll(
      ConfigJson c, String field, List<String> values, Set<String> supported) {
    for (String value : values) {
      if (!supported.contains(value)) {
        throw c.unsupported(field, value + " is not one of " + supported);
      }
    }
  }

  /** The number of resolution levels (entries of {@code block_out_channels}). */
  public int levels() {
    return blockOutChannels.size();
  }

  /** The attention heads of down level {@code level} (diffusers: num_attention_heads). */
  public int headsAt(int level) {
    return (numAttentionHeads != null ? numAttentionHeads : attentionHeadDim).get(level);
  }

  /** The attention heads of the mid block: those of the deepest level. */
  public int midHeads() {
    return headsAt(levels() - 1);
  }

  /** The transformer layers of the mid block: those of the deepest level. */
  public int midTransformerLayers() {
    return transformerLayersPerBlock.getLast();
  }

  /**
   * The transformer layers of up block {@code i} (counted from the deepest level): {@code
   * reverse_transformer_layers_per_block} or the down values reversed.
   */
  public int upTransformerLayers(int i) {
    return reverseTransformerLayersPerBlock != null
        ? reverseTransformerLayersPerBlock.get(i)
        : transformerLayersPerBlock.get(levels() - 1 - i);
  }

  /** The width of the timestep embedding: {@code time_embedding_dim} or 4 x the first level. */
  public int timeEmbedDim() {
    return timeEmbeddingDim != null ? timeEmbeddingDim : 4 * blockOutChannels.getFirst();
  }
}
