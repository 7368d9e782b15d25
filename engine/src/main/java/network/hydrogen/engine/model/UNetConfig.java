package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.List;

/**
 * The config of a diffusers {@code UNet2DConditionModel} ({@code unet/config.json}), with the
 * diffusers field names and defaults. Fields that diffusers accepts as one integer or one per level
 * ({@code attention_head_dim}, {@code num_attention_heads}, {@code transformer_layers_per_block})
 * are given here as one value per level of {@code block_out_channels}.
 *
 * <p>Beware the diffusers naming quirk: without {@code num_attention_heads}, {@code
 * attention_head_dim} is the number of heads; use {@link #headsAt(int)}.
 */
public record UNetConfig(
    Integer sampleSize,
    int inChannels,
    int outChannels,
    boolean centerInputSample,
    boolean flipSinToCos,
    int freqShift,
    List<String> downBlockTypes,
    String midBlockType,
    List<String> upBlockTypes,
    boolean onlyCrossAttention,
    List<Integer> blockOutChannels,
    int layersPerBlock,
    int downsamplePadding,
    double midBlockScaleFactor,
    double dropout,
    String actFn,
    int normNumGroups,
    double normEps,
    int crossAttentionDim,
    List<Integer> transformerLayersPerBlock,
    List<Integer> reverseTransformerLayersPerBlock,
    Integer encoderHidDim,
    String encoderHidDimType,
    List<Integer> attentionHeadDim,
    List<Integer> numAttentionHeads,
    boolean dualCrossAttention,
    boolean useLinearProjection,
    String classEmbedType,
    String additionEmbedType,
    Integer additionTimeEmbedDim,
    Integer numClassEmbeds,
    boolean upcastAttention,
    String resnetTimeScaleShift,
    String timeEmbeddingType,
    Integer timeEmbeddingDim,
    String timeEmbeddingActFn,
    String timestepPostAct,
    Integer timeCondProjDim,
    int convInKernel,
    int convOutKernel,
    Integer projectionClassEmbeddingsInputDim,
    String attentionType,
    String crossAttentionNorm,
    int additionEmbedTypeNumHeads) {

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
    if (json.path("layers_per_block").isArray()) {
      throw c.unsupported("layers_per_block", "only one integer for every level is supported");
    }
    if (json.path("cross_attention_dim").isArray()) {
      throw c.unsupported("cross_attention_dim", "only one integer for every level is supported");
    }
    if (json.path("only_cross_attention").isArray()) {
      throw c.unsupported("only_cross_attention", "only true or false is supported");
    }
    if (json.path("transformer_layers_per_block").path(0).isArray()) {
      throw c.unsupported(
          "transformer_layers_per_block", "nested per-layer lists are not supported");
    }
    List<Integer> headDim = c.perLevel("attention_head_dim", levels);
    List<Integer> transformerLayers = c.perLevel("transformer_layers_per_block", levels);
    List<Integer> reverseLayers = c.integers("reverse_transformer_layers_per_block", null);
    if (reverseLayers != null && reverseLayers.size() != levels) {
      throw c.unsupported(
          "reverse_transformer_layers_per_block", "it needs one value per level (" + levels + ")");
    }
    return new UNetConfig(
        c.optionalInteger("sample_size"),
        c.integer("in_channels", 4),
        c.integer("out_channels", 4),
        c.bool("center_input_sample", false),
        c.bool("flip_sin_to_cos", true),
        c.integer("freq_shift", 0),
        down,
        c.string("mid_block_type", CROSS_ATTN_MID),
        up,
        c.bool("only_cross_attention", false),
        blockOut,
        c.integer("layers_per_block", 2),
        c.integer("downsample_padding", 1),
        c.number("mid_block_scale_factor", 1),
        c.number("dropout", 0),
        c.string("act_fn", "silu"),
        c.integer("norm_num_groups", 32),
        c.number("norm_eps", 1e-5),
        c.integer("cross_attention_dim", 1280),
        transformerLayers == null ? Collections.nCopies(levels, 1) : transformerLayers,
        reverseLayers,
        c.optionalInteger("encoder_hid_dim"),
        c.string("encoder_hid_dim_type", null),
        headDim == null ? Collections.nCopies(levels, 8) : headDim,
        c.perLevel("num_attention_heads", levels),
        c.bool("dual_cross_attention", false),
        c.bool("use_linear_projection", false),
        c.string("class_embed_type", null),
        c.string("addition_embed_type", null),
        c.optionalInteger("addition_time_embed_dim"),
        c.optionalInteger("num_class_embeds"),
        c.bool("upcast_attention", false),
        c.string("resnet_time_scale_shift", "default"),
        c.string("time_embedding_type", "positional"),
        c.optionalInteger("time_embedding_dim"),
        c.string("time_embedding_act_fn", null),
        c.string("timestep_post_act", null),
        c.optionalInteger("time_cond_proj_dim"),
        c.integer("conv_in_kernel", 3),
        c.integer("conv_out_kernel", 3),
        c.optionalInteger("projection_class_embeddings_input_dim"),
        c.string("attention_type", "default"),
        c.string("cross_attention_norm", null),
        c.integer("addition_embed_type_num_heads", 64));
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
