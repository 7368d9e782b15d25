package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny SD 2.x-shaped model with random fp16 weights, written under the original OpenCLIP/LDM key
 * names by a hand-written fixture (independent of the loader's layout code), must come back under
 * the diffusers names with identical bytes.
 */
class Sd2CheckpointTest {

  static final String UNET_CONFIG =
      """
      {"_class_name": "UNet2DConditionModel", "attention_head_dim": [2, 4, 4],
       "block_out_channels": [32, 48, 64], "cross_attention_dim": 16,
       "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
       "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
       "layers_per_block": 1, "norm_num_groups": 8, "sample_size": 8, "in_channels": 4,
       "out_channels": 4, "upcast_attention": true, "use_linear_projection": true}
      """;
  static final String TEXT_ENCODER_CONFIG =
      """
      {"architectures": ["CLIPTextModel"], "hidden_act": "gelu", "hidden_size": 16,
       "intermediate_size": 64, "num_attention_heads": 2, "num_hidden_layers": 2,
       "max_position_embeddings": 77, "vocab_size": 1000, "projection_dim": 8,
       "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 1, "layer_norm_eps": 1e-05}
      """;
  static final String VAE_CONFIG =
      """
      {"_class_name": "AutoencoderKL", "block_out_channels": [16, 32],
       "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
       "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"], "layers_per_block": 1,
       "latent_channels": 4, "norm_num_groups": 8, "sample_size": 16}
      """;

  @TempDir Path dir;

  Path configs;
  UNetConfig unetConfig;
  ClipTextConfig clipConfig;
  VaeConfig vaeConfig;
  final Random random = new Random(7);

  /** Random tensors under their diffusers names, per component. */
  final Map<String, Tensor> textEncoder = new LinkedHashMap<>();

  final Map<String, Tensor> unet = new LinkedHashMap<>();
  final Map<String, Tensor> vae = new LinkedHashMap<>();

  @BeforeEach
  void writeConfigFolder() throws IOException {
    configs = dir.resolve("configs");
    for (String part : List.of("unet", "vae", "text_encoder", "scheduler", "tokenizer")) {
      Files.createDirectories(configs.resolve(part));
    }
    Files.writeString(
        configs.resolve("model_index.json"),
        """
        {"_class_name": "StableDiffusionPipeline", "scheduler": ["diffusers", "DDIMScheduler"],
         "text_encoder": ["transformers", "CLIPTextModel"],
         "tokenizer": ["transformers", "CLIPTokenizer"],
         "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}
        """);
    Files.writeString(configs.resolve("unet/config.json"), UNET_CONFIG);
    Files.writeString(configs.resolve("text_encoder/config.json"), TEXT_ENCODER_CONFIG);
    Files.writeString(configs.resolve("vae/config.json"), VAE_CONFIG);
    Files.writeString(
        configs.resolve("scheduler/scheduler_config.json"),
        "{\"_class_name\": \"DDIMScheduler\", \"prediction_type\": \"v_prediction\"}");
    Files.writeString(configs.resolve("tokenizer/vocab.json"), "{}");
    Files.writeString(configs.resolve("tokenizer/merges.txt"), "#version: 0.2\n");
    Files.writeString(
        configs.resolve("tokenizer/tokenizer_config.json"),
        "{\"pad_token\": {\"content\": \"!\"}, \"model_max_length\": 77}");
    unetConfig = UNetConfig.parse(ConfigJson.read(configs.resolve("unet/config.json")), "unet");
    clipConfig =
        ClipTextConfig.parse(ConfigJson.read(configs.resolve("text_encoder/config.json")), "te");
    vaeConfig = VaeConfig.parse(ConfigJson.read(configs.resolve("vae/config.json")), "vae");
    ParameterLayout.unetShapes(unetConfig).forEach((n, s) -> unet.put(n, randomTensor(n, s)));
    ParameterLayout.vaeShapes(vaeConfig).forEach((n, s) -> vae.put(n, randomTensor(n, s)));
    ParameterLayout.textEncoderShapes(clipConfig)
        .forEach((n, s) -> textEncoder.put(n, randomTensor(n, s)));
  }

  private Tensor randomTensor(String name, long[] shape) {
    long count = 1;
    for (long d : shape) {
      count *= d;
    }
    byte[] bytes = new byte[Math.toIntExact(count * 2)];
    random.nextBytes(bytes);
    return new Tensor(name, DType.F16, shape, ByteBuffer.wrap(bytes));
  }

  // ---- the hand-written original-format fixture ----

  /** Original key -> tensor, and the diffusers names the fixture consumed. */
  final Map<String, Tensor> original = new LinkedHashMap<>();

  final List<String> used = new ArrayList<>();

  private void copy(Map<String, Tensor> from, String diffusers, String key) {
    Tensor tensor = from.get(diffusers);
    assertThat(tensor).as("fixture names a parameter the layout lacks: " + diffusers).isNotNull();
    original.put(key, new Tensor(key, tensor.dtype(), tensor.shape(), tensor.data()));
    used.add(diffusers);
  }

  private void pair(Map<String, Tensor> from, String diffusers, String key) {
    copy(from, diffusers + ".weight", key + ".weight");
    copy(from, diffusers + ".bias", key + ".bias");
  }

  private void unetResnet(String diffusers, String key, boolean shortcut) {
    pair(unet, diffusers + ".norm1", key + ".in_layers.0");
    pair(unet, diffusers + ".conv1", key + ".in_layers.2");
    pair(unet, diffusers + ".time_emb_proj", key + ".emb_layers.1");
    pair(unet, diffusers + ".norm2", key + ".out_layers.0");
    pair(unet, diffusers + ".conv2", key + ".out_layers.3");
    if (shortcut) {
      pair(unet, diffusers + ".conv_shortcut", key + ".skip_connection");
    }
  }

  private void unetAttention(String diffusers, String key) {
    pair(unet, diffusers + ".norm", key + ".norm");
    pair(unet, diffusers + ".proj_in", key + ".proj_in");
    pair(unet, diffusers + ".proj_out", key + ".proj_out");
    String block = ".transformer_blocks.0";
    for (String norm : List.of(".norm1", ".norm2", ".norm3")) {
      pair(unet, diffusers + block + norm, key + block + norm);
    }
    for (String attn : List.of(".attn1", ".attn2")) {
      for (String qkv : List.of(".to_q.weight", ".to_k.weight", ".to_v.weight")) {
        copy(unet, diffusers + block + attn + qkv, key + block + attn + qkv);
      }
      pair(unet, diffusers + block + attn + ".to_out.0", key + block + attn + ".to_out.0");
    }
    pair(unet, diffusers + block + ".ff.net.0.proj", key + block + ".ff.net.0.proj");
    pair(unet, diffusers + block + ".ff.net.2", key + block + ".ff.net.2");
  }

  private void writeUnet() {
    String m = "model.diffusion_model.";
    pair(unet, "conv_in", m + "input_blocks.0.0");
    pair(unet, "time_embedding.linear_1", m + "time_embed.0");
    pair(unet, "time_embedding.linear_2", m + "time_embed.2");
    unetResnet("down_blocks.0.resnets.0", m + "input_blocks.1.0", false);
    unetAttention("down_blocks.0.attentions.0", m + "input_blocks.1.1");
    pair(unet, "down_blocks.0.downsamplers.0.conv", m + "input_blocks.2.0.op");
    unetResnet("down_blocks.1.resnets.0", m + "input_blocks.3.0", true);
    unetAttention("down_blocks.1.attentions.0", m + "input_blocks.3.1");
    pair(unet, "down_blocks.1.downsamplers.0.conv", m + "input_blocks.4.0.op");
    unetResnet("down_blocks.2.resnets.0", m + "input_blocks.5.0", true);
    unetResnet("mid_block.resnets.0", m + "middle_block.0", false);
    unetAttention("mid_block.attentions.0", m + "middle_block.1");
    unetResnet("mid_block.resnets.1", m + "middle_block.2", false);
    unetResnet("up_blocks.0.resnets.0", m + "output_blocks.0.0", true);
    unetResnet("up_blocks.0.resnets.1", m + "output_blocks.1.0", true);
    pair(unet, "up_blocks.0.upsamplers.0.conv", m + "output_blocks.1.1.conv");
    unetResnet("up_blocks.1.resnets.0", m + "output_blocks.2.0", true);
    unetAttention("up_blocks.1.attentions.0", m + "output_blocks.2.1");
    unetResnet("up_blocks.1.resnets.1", m + "output_blocks.3.0", true);
    unetAttention("up_blocks.1.attentions.1", m + "output_blocks.3.1");
    pair(unet, "up_blocks.1.upsamplers.0.conv", m + "output_blocks.3.2.conv");
    unetResnet("up_blocks.2.resnets.0", m + "output_blocks.4.0", true);
    unetAttention("up_blocks.2.attentions.0", m + "output_blocks.4.1");
    unetResnet("up_blocks.2.resnets.1", m + "output_blocks.5.0", true);
    unetAttention("up_blocks.2.attentions.1", m + "output_blocks.5.1");
    pair(unet, "conv_norm_out", m + "out.0");
    pair(unet, "conv_out", m + "out.2");
  }

  private void vaeResnet(String diffusers, String key, boolean shortcut) {
    for (String part : List.of(".norm1", ".conv1", ".norm2", ".conv2")) {
      pair(vae, diffusers + part, key + part);
    }
    if (shortcut) {
      pair(vae, diffusers + ".conv_shortcut", key + ".nin_shortcut");
    }
  }

  /** The LDM VAE keeps its attention projections as 1x1 convolutions [C, C, 1, 1]. */
  private void vaeMid(String coder) {
    String f = "first_stage_model." + coder;
    vaeResnet(coder + ".mid_block.resnets.0", f + ".mid.block_1", false);
    pair(vae, coder + ".mid_block.attentions.0.group_norm", f + ".mid.attn_1.norm");
    Map<String, String> projections =
        Map.of("to_q", "q", "to_k", "k", "to_v", "v", "to_out.0", "proj_out");
    projections.forEach(
        (diffusers, key) -> {
          String name = coder + ".mid_block.attentions.0." + diffusers;
          Tensor linear = vae.get(name + ".weight");
          long[] shape = linear.shape();
          String conv = f + ".mid.attn_1." + key + ".weight";
          original.put(
              conv,
              new Tensor(
                  conv, linear.dtype(), new long[] {shape[0], shape[1], 1, 1}, linear.data()));
          used.add(name + ".weight");
          copy(vae, name + ".bias", f + ".mid.attn_1." + key + ".bias");
        });
    vaeResnet(coder + ".mid_block.resnets.1", f + ".mid.block_2", false);
  }

  private void writeVae() {
    String f = "first_stage_model.";
    pair(vae, "encoder.conv_in", f + "encoder.conv_in");
    vaeResnet("encoder.down_blocks.0.resnets.0", f + "encoder.down.0.block.0", false);
    pair(vae, "encoder.down_blocks.0.downsamplers.0.conv", f + "encoder.down.0.downsample.conv");
    vaeResnet("encoder.down_blocks.1.resnets.0", f + "encoder.down.1.block.0", true);
    vaeMid("encoder");
    pair(vae, "encoder.conv_norm_out", f + "encoder.norm_out");
    pair(vae, "encoder.conv_out", f + "encoder.conv_out");
    pair(vae, "quant_conv", f + "quant_conv");
    pair(vae, "post_quant_conv", f + "post_quant_conv");
    pair(vae, "decoder.conv_in", f + "decoder.conv_in");
    vaeMid("decoder");
    vaeResnet("decoder.up_blocks.0.resnets.0", f + "decoder.up.1.block.0", false);
    vaeResnet("decoder.up_blocks.0.resnets.1", f + "decoder.up.1.block.1", false);
    pair(vae, "decoder.up_blocks.0.upsamplers.0.conv", f + "decoder.up.1.upsample.conv");
    vaeResnet("decoder.up_blocks.1.resnets.0", f + "decoder.up.0.block.0", true);
    vaeResnet("decoder.up_blocks.1.resnets.1", f + "decoder.up.0.block.1", false);
    pair(vae, "decoder.conv_norm_out", f + "decoder.norm_out");
    pair(vae, "decoder.conv_out", f + "decoder.conv_out");
  }

  /** OpenCLIP fuses q, k and v into in_proj_weight [3 x width, width] and in_proj_bias. */
  private void writeOpenClip() throws IOException {
    String o = "cond_stage_model.model.";
    copy(textEncoder, "text_model.embeddings.token_embedding.weight", o + "token_embedding.weight");
    copy(
        textEncoder, "text_model.embeddings.position_embedding.weight", o + "positional_embedding");
    for (int l = 0; l < 2; l++) {
      String d = "text_model.encoder.layers." + l;
      String r = o + "transformer.resblocks." + l;
      for (String suffix : List.of("weight", "bias")) {
        ByteBuffer fused =
            ByteBuffer.allocate(
                3 * textEncoder.get(d + ".self_attn.q_proj." + suffix).data().remaining());
        for (String p : List.of("q_proj", "k_proj", "v_proj")) {
          fused.put(textEncoder.get(d + ".self_attn." + p + "." + suffix).data().duplicate());
          used.add(d + ".self_attn." + p + "." + suffix);
        }
        long[] shape = textEncoder.get(d + ".self_attn.q_proj." + suffix).shape();
        shape[0] *= 3;
        String key = r + ".attn.in_proj_" + suffix;
        original.put(key, new Tensor(key, DType.F16, shape, fused.flip()));
      }
      pair(textEncoder, d + ".self_attn.out_proj", r + ".attn.out_proj");
      pair(textEncoder, d + ".layer_norm1", r + ".ln_1");
      pair(textEncoder, d + ".layer_norm2", r + ".ln_2");
      pair(textEncoder, d + ".mlp.fc1", r + ".mlp.c_fc");
      pair(textEncoder, d + ".mlp.fc2", r + ".mlp.c_proj");
    }
    pair(textEncoder, "text_model.final_layer_norm", o + "ln_final");
  }

  /** Keys that real SD 2.x checkpoints carry and diffusers ignores. */
  private void writeExtras() {
    String lastBlock = "cond_stage_model.model.transformer.resblocks.2.";
    extra(lastBlock + "attn.in_proj_weight", 48, 16);
    extra(lastBlock + "ln_1.weight", 16);
    extra("cond_stage_model.model.text_projection", 16, 8);
    extra("cond_stage_model.model.logit_scale");
    extra("model_ema.diffusion_modelinput_blocks00weight", 32, 4, 3, 3);
    extra("model_ema.decay");
    extra("alphas_cumprod", 1000);
  }

  private void extra(String key, long... shape) {
    original.put(key, randomTensor(key, shape));
  }

  private Path writeCheckpoint() throws IOException {
    writeOpenClip();
    writeUnet();
    writeVae();
    writeExtras();
    SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
    original.values().forEach(writer::add);
    Path file = dir.resolve("sd2-tiny.safetensors");
    writer.write(file);
    return file;
  }

  private static WeightSource source(Map<String, Tensor> tensors) {
    return new WeightSource() {
      @Override
      public java.util.Set<String> names() {
        return tensors.keySet();
      }

      @Override
      public Tensor tensor(String name) {
        return tensors.get(name);
      }

      @Override
      public String describe() {
        return "generated tensors";
      }
    };
  }

  @Test
  void openClipAndLdmKeysMapBackToTheDiffusersTensors() throws IOException {
    Path file = writeCheckpoint();
    assertThat(used)
        .containsExactlyInAnyOrderElementsOf(
            concat(textEncoder.keySet(), unet.keySet(), vae.keySet()));

    StableDiffusionModel model = ModelFiles.open(file, configs);

    assertThat(model.family()).isEqualTo(ModelFamily.SD2);
    assertThat(model.unet().config().useLinearProjection()).isTrue();
    assertThat(model.unet().config().headsAt(1)).isEqualTo(4);
    assertThat(model.textEncoder().config().hiddenAct()).isEqualTo("gelu");
    assertThat(model.tokenizer()).isEqualTo(configs.resolve("tokenizer"));
    assertThat(model.schedulerConfig().path("prediction_type").asText()).isEqualTo("v_prediction");
    WeightsAssert.sameTensors(source(textEncoder), model.textEncoder().weights());
    WeightsAssert.sameTensors(source(unet), model.unet().weights());
    WeightsAssert.sameTensors(source(vae), model.vae().weights());

    Tensor k =
        model.textEncoder().weights().tensor("text_model.encoder.layers.1.self_attn.k_proj.weight");
    assertThat(k.data().isDirect()).as("a view of the mapped file").isTrue();
    assertThat(k.data().isReadOnly()).isTrue();
    assertThat(model.vae().weights().shape("decoder.mid_block.attentions.0.to_q.weight"))
        .containsExactly(32, 32);
  }

  @Test
  void diffusersFolderWithFp16VariantAndShardsLoadsTheSameTensors() throws IOException {
    Path folder = dir.resolve("folder");
    for (String part : List.of("unet", "vae", "text_encoder", "scheduler", "tokenizer")) {
      Files.createDirectories(folder.resolve(part));
      try (var files = Files.list(configs.resolve(part))) {
        for (Path f : files.toList()) {
          Files.copy(f, folder.resolve(part).resolve(f.getFileName()));
        }
      }
    }
    Files.copy(configs.resolve("model_index.json"), folder.resolve("model_index.json"));
    SafeTensorsWriter text = new SafeTensorsWriter();
    textEncoder.values().forEach(text::add);
    text.write(folder.resolve("text_encoder/model.fp16.safetensors"));
    SafeTensorsWriter first = new SafeTensorsWriter();
    SafeTensorsWriter second = new SafeTensorsWriter();
    StringBuilder weightMap = new StringBuilder();
    for (Tensor t : unet.values()) {
      boolean down = t.name().startsWith("down_blocks");
      (down ? first : second).add(t);
      String shard = "diffusion_pytorch_model-0000" + (down ? 1 : 2) + "-of-00002.safetensors";
      weightMap
          .append(weightMap.isEmpty() ? "" : ",")
          .append('"')
          .append(t.name())
          .append("\":\"")
          .append(shard)
          .append('"');
    }
    first.write(folder.resolve("unet/diffusion_pytorch_model-00001-of-00002.safetensors"));
    second.write(folder.resolve("unet/diffusion_pytorch_model-00002-of-00002.safetensors"));
    Files.writeString(
        folder.resolve("unet/diffusion_pytorch_model.safetensors.index.json"),
        "{\"metadata\": {}, \"weight_map\": {" + weightMap + "}}");
    SafeTensorsWriter vaeWriter = new SafeTensorsWriter();
    vae.values().forEach(vaeWriter::add);
    vaeWriter.write(folder.resolve("vae/diffusion_pytorch_model.safetensors"));

    StableDiffusionModel model = ModelFiles.open(folder);

    assertThat(model.family()).isEqualTo(ModelFamily.SD2);
    WeightsAssert.sameTensors(source(textEncoder), model.textEncoder().weights());
    WeightsAssert.sameTensors(source(unet), model.unet().weights());
    WeightsAssert.sameTensors(source(vae), model.vae().weights());

    assertThat(model.textEncoder().weights().describe()).endsWith("model.fp16.safetensors");

    SafeTensorsWriter full = new SafeTensorsWriter();
    ParameterLayout.textEncoderShapes(clipConfig).forEach((n, s) -> full.add(randomTensor(n, s)));
    full.write(folder.resolve("text_encoder/model.safetensors"));
    assertThat(ModelFiles.open(folder).textEncoder().weights().describe())
        .isEqualTo(folder.resolve("text_encoder/model.safetensors").toString());
    StableDiffusionModel fp16 = ModelFiles.openFolder(folder, "fp16");
    WeightsAssert.sameTensors(source(textEncoder), fp16.textEncoder().weights());
    WeightsAssert.sameTensors(source(vae), fp16.vae().weights());

    Files.delete(folder.resolve("unet/diffusion_pytorch_model-00002-of-00002.safetensors"));
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .hasMessageContaining("diffusion_pytorch_model-00002-of-00002.safetensors is missing");
  }

  @Test
  void missingOriginalTensorIsNamedWithItsDiffusersName() throws IOException {
    writeOpenClip();
    writeUnet();
    writeVae();
    original.remove("model.diffusion_model.output_blocks.3.2.conv.weight");
    SafeTensorsWriter writer = new SafeTensorsWriter();
    original.values().forEach(writer::add);
    Path file = dir.resolve("broken.safetensors");
    writer.write(file);

    assertThatThrownBy(() -> ModelFiles.open(file, configs))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("has no tensor model.diffusion_model.output_blocks.3.2.conv.weight")
        .hasMessageContaining("UNet parameter up_blocks.1.upsamplers.0.conv.weight");
  }

  @Test
  void fusedProjectionOfTheWrongWidthIsRefused() throws IOException {
    writeOpenClip();
    writeUnet();
    writeVae();
    String key = "cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight";
    original.put(key, randomTensor(key, new long[] {32, 16}));
    SafeTensorsWriter writer = new SafeTensorsWriter();
    original.values().forEach(writer::add);
    Path file = dir.resolve("wide.safetensors");
    writer.write(file);

    assertThatThrownBy(() -> ModelFiles.open(file, configs))
        .hasMessageContaining(
            "tensor " + key + " has shape [32, 16] but the config requires [48, 16]")
        .hasMessageContaining("text_model.encoder.layers.0.self_attn.q_proj.weight");
  }

  @SafeVarargs
  private static List<String> concat(java.util.Collection<String>... parts) {
    List<String> out = new ArrayList<>();
    for (var part : parts) {
      out.addAll(part);
    }
    return out;
  }
}
