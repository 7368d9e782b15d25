package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Opens the Stable Diffusion model files users have: a diffusers folder ({@code model_index.json},
 * per-component {@code config.json} and {@code .safetensors} weights, fp32 or fp16, whole or
 * sharded) or a single-file {@code .safetensors} checkpoint with the original key names (as shared
 * on Civitai; SDXL ones with both text encoders), whose configs come from a diffusers folder or
 * from the embedded standard configs of its family. Weights are memory-mapped, never read onto the
 * heap; PyTorch pickle files are refused, never unpickled.
 */
public final class ModelFiles {

  private static final String STANDARD = "standard/";
  private static final List<String> PICKLE_SUFFIXES =
      List.of(".ckpt", ".bin", ".pt", ".pth", ".pkl");

  private ModelFiles() {}

  /**
   * Opens a diffusers folder (a directory with {@code model_index.json}) or a single-file
   * checkpoint, whose family (SD 1.x, 2.x or XL) is recognised from its key names and whose configs
   * and tokenizers are the family's standard ones (SD 1.5; SD 2.1 768 v-prediction; SDXL base 1.0,
   * or SDXL refiner 1.0 for a file whose only text encoder is OpenCLIP).
   *
   * @throws ModelFormatException naming the file (and tensor) that is missing, malformed or does
   *     not match its config
   */
  public static StableDiffusionModel open(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      return openFolder(path, null);
    }
    SafeTensorsFile checkpoint = openCheckpoint(path);
    ModelFamily family = ModelFamily.detect(checkpoint);
    return fromCheckpoint(
        checkpoint,
        family,
        family == ModelFamily.SDXL && isRefiner(checkpoint)
            ? StandardConfigs.SDXL_REFINER
            : new StandardConfigs(family));
  }

  /**
   * Opens a diffusers folder preferring the weights variant {@code variant} (such as {@code fp16}:
   * {@code diffusion_pytorch_model.fp16.safetensors}) and taking the full-precision files of the
   * components that lack it.
   */
  public static StableDiffusionModel openFolder(Path folder, String variant) throws IOException {
    if (!Files.isDirectory(folder)) {
      throw new ModelFormatException(folder, "is not a folder");
    }
    Configs configs = readConfigs(new FolderConfigs(folder));
    WeightSource textEncoder =
        configs.textEncoder() == null
            ? null
            : folderWeights(folder.resolve("text_encoder"), variant);
    WeightSource textEncoder2 =
        configs.isSdxl() ? folderWeights(folder.resolve("text_encoder_2"), variant) : null;
    WeightSource unet = folderWeights(folder.resolve("unet"), variant);
    WeightSource vae = folderWeights(folder.resolve("vae"), variant);
    if (textEncoder != null) {
      ParameterLayout.check(
          "text encoder", ParameterLayout.textEncoderShapes(configs.textEncoder()), textEncoder);
    }
    if (textEncoder2 != null) {
      ParameterLayout.check(
          "second text encoder",
          ParameterLayout.textEncoderShapes(configs.textEncoder2()),
          textEncoder2);
    }
    ParameterLayout.check("UNet", ParameterLayout.unetShapes(configs.unet()), unet);
    ParameterLayout.check("VAE", ParameterLayout.vaeShapes(configs.vae()), vae);
    return model(folder, familyOf(configs), configs, textEncoder, textEncoder2, unet, vae);
  }

  private static StableDiffusionModel model(
      Path source,
      ModelFamily family,
      Configs configs,
      WeightSource textEncoder,
      WeightSource textEncoder2,
      WeightSource unet,
      WeightSource vae) {
    return new StableDiffusionModel(
        source,
        family,
        configs.modelIndex(),
        textEncoder == null
            ? null
            : new StableDiffusionModel.Component<>(configs.textEncoder(), textEncoder),
        new StableDiffusionModel.Component<>(configs.unet(), unet),
        new StableDiffusionModel.Component<>(configs.vae(), vae),
        configs.scheduler(),
        configs.tokenizer(),
        textEncoder2 == null
            ? null
            : new StableDiffusionModel.Component<>(configs.textEncoder2(), textEncoder2),
        configs.tokenizer2());
  }

  /**
   * Opens a single-file checkpoint with the configs, scheduler and tokenizer of the diffusers
   * folder {@code configFolder}, as diffusers' {@code from_single_file(config=...)} does; the
   * folder's own weights are not read.
   */
  public static StableDiffusionModel open(Path checkpointFile, Path configFolder)
      throws IOException {
    SafeTensorsFile checkpoint = openCheckpoint(checkpointFile);
    return fromCheckpoint(
        checkpoint, ModelFamily.detect(checkpoint), new FolderConfigs(configFolder));
  }

  /**
   * The standard tokenizer folder of a family: the CLIP BPE files shared by every family and the
   * family's {@code tokenizer_config.json} (its padding token), unpacked from the class path into a
   * temporary folder. For SDXL this is the first tokenizer; its second pads like SD 2.x.
   */
  public static Path standardTokenizer(ModelFamily family) throws IOException {
    return new StandardConfigs(family).tokenizer("tokenizer");
  }

  // ---- configs ----

  /** Where the configs, scheduler and tokenizer of a model come from. */
  private sealed interface ConfigSource {
    JsonNode json(String relative);

    String describe(String relative);

    /** The tokenizer folder {@code name} ({@code tokenizer} or SDXL's {@code tokenizer_2}). */
    Path tokenizer(String name) throws IOException;
  }

  private record FolderConfigs(Path folder) implements ConfigSource {
    FolderConfigs {
      if (!Files.isRegularFile(folder.resolve("model_index.json"))) {
        throw new ModelFormatException(
            folder, "is not a diffusers model folder: it has no model_index.json");
      }
    }

    @Override
    public JsonNode json(String relative) {
      return ConfigJson.read(folder.resolve(relative));
    }

    @Override
    public String describe(String relative) {
      return folder.resolve(relative).toString();
    }

    @Override
    public Path tokenizer(String name) {
      Path dir = folder.resolve(name);
      for (String file : List.of("vocab.json", "merges.txt")) {
        if (!Files.isRegularFile(dir.resolve(file))) {
          throw new ModelFormatException(dir.resolve(file), "is missing");
        }
      }
      return dir;
    }
  }

  /**
   * The embedded configs of a family, or of the SDXL refiner 1.0 ({@code folder} the resource
   * folder, {@code name} how messages call them).
   */
  private record StandardConfigs(String folder, String name) implements ConfigSource {
    static final StandardConfigs SDXL_REFINER = new StandardConfigs("sdxl-refiner", "SDXL refiner");

    StandardConfigs(ModelFamily family) {
      this(family.standardConfigs(), family.toString());
    }

    @Override
    public JsonNode json(String relative) {
      return ConfigJson.resource(STANDARD + folder + "/" + relative);
    }

    @Override
    public String describe(String relative) {
      return "the standard " + name + " " + relative;
    }

    @Override
    public Path tokenizer(String tokenizer) throws IOException {
      return StandardTokenizers.directory(folder + "/" + tokenizer);
    }
  }

  /**
   * The standard tokenizer folders, unpacked once each from the class path: the CLIP BPE files
   * shared by every family and the tokenizer's config.
   */
  private static final class StandardTokenizers {
    private static final Map<String, Path> DIRECTORIES = new HashMap<>();

    /** The tokenizer under {@code relative} (such as {@code sdxl/tokenizer_2}). */
    static synchronized Path directory(String relative) throws IOException {
      Path directory = DIRECTORIES.get(relative);
      if (directory == null) {
        Path dir = Files.createTempDirectory("hydrogen-tokenizer-" + relative.replace('/', '-'));
        dir.toFile().deleteOnExit();
        Path config = dir.resolve("tokenizer_config.json");
        try (InputStream in =
            ModelFiles.class.getResourceAsStream(STANDARD + relative + "/tokenizer_config.json")) {
          if (in == null) {
            throw new IllegalStateException(
                "missing resource " + relative + "/tokenizer_config.json");
          }
          Files.copy(in, config);
        }
        config.toFile().deleteOnExit();
        for (String name : List.of("vocab.json", "merges.txt")) {
          Path target = dir.resolve(name);
          try (InputStream packed =
              ModelFiles.class.getResourceAsStream(STANDARD + "clip-bpe/" + name + ".gz")) {
            if (packed == null) {
              throw new IllegalStateException("missing resource clip-bpe/" + name + ".gz");
            }
            Files.copy(new GZIPInputStream(packed), target);
          }
          target.toFile().deleteOnExit();
        }
        directory = dir;
        DIRECTORIES.put(relative, dir);
      }
      return directory;
    }
  }

  /**
   * A model's configs; {@code textEncoder2} and {@code tokenizer2} only for SDXL, else null; {@code
   * textEncoder} and {@code tokenizer} null for the SDXL refiner.
   */
  private record Configs(
      JsonNode modelIndex,
      ClipTextConfig textEncoder,
      UNetConfig unet,
      VaeConfig vae,
      JsonNode scheduler,
      Path tokenizer,
      ClipTextConfig textEncoder2,
      Path tokenizer2) {

    boolean isSdxl() {
      return textEncoder2 != null;
    }

    boolean isRefiner() {
      return textEncoder == null;
    }
  }

  private static Configs readConfigs(ConfigSource source) throws IOException {
    JsonNode index = source.json("model_index.json");
    String indexName = source.describe("model_index.json");
    if (!index.isObject()) {
      throw new ModelFormatException(indexName + " is not a JSON object");
    }
    String pipeline = index.path("_class_name").asText("");
    boolean sdxl = pipeline.contains("XL") || index.has("text_encoder_2");
    boolean refiner = sdxl && !lists(index, "text_encoder");
    List<String> components =
        refiner
            ? List.of("text_encoder_2", "tokenizer_2", "unet", "vae", "scheduler")
            : sdxl
                ? List.of(
                    "text_encoder",
                    "tokenizer",
                    "text_encoder_2",
                    "tokenizer_2",
                    "unet",
                    "vae",
                    "scheduler")
                : List.of("text_encoder", "tokenizer", "unet", "vae", "scheduler");
    for (String component : components) {
      if (!lists(index, component)) {
        throw new ModelFormatException(indexName + " lists no " + component + " component");
      }
    }
    return new Configs(
        index,
        refiner
            ? null
            : ClipTextConfig.parse(
                source.json("text_encoder/config.json"),
                source.describe("text_encoder/config.json")),
        UNetConfig.parse(source.json("unet/config.json"), source.describe("unet/config.json")),
        VaeConfig.parse(source.json("vae/config.json"), source.describe("vae/config.json")),
        new ConfigJson(
                source.json("scheduler/scheduler_config.json"),
                source.describe("scheduler/scheduler_config.json"))
            .root(),
        refiner ? null : source.tokenizer("tokenizer"),
        sdxl
            ? ClipTextConfig.parse(
                source.json("text_encoder_2/config.json"),
                source.describe("text_encoder_2/config.json"))
            : null,
        sdxl ? source.tokenizer("tokenizer_2") : null);
  }

  /** Whether {@code model_index.json} lists {@code component} as [library, class]. */
  private static boolean lists(JsonNode index, String component) {
    return index.path(component).isArray() && !index.path(component).path(1).isNull();
  }

  private static ModelFamily familyOf(Configs configs) {
    if (configs.isSdxl()) {
      return ModelFamily.SDXL;
    }
    return configs.textEncoder().hiddenAct().equals("gelu") ? ModelFamily.SD2 : ModelFamily.SD1;
  }

  // ---- diffusers folder ----

  /**
   * The weights of one diffusers component folder: {@code diffusion_pytorch_model} or {@code
   * model}, as one {@code .safetensors} file or sharded with a {@code .safetensors.index.json}.
   * Without a requested variant the full-precision file is preferred and the {@code fp16} variant
   * taken when it is the only one; with one, that variant is preferred.
   */
  /**
   * The weights file names of a diffusers component folder in the order they are taken for the
   * weights {@code variant} (null or empty for none): {@code diffusion_pytorch_model} then {@code
   * model}, each as one {@code .safetensors} file then as a shard index ({@code
   * .safetensors.index.json}); the variant's names first, then the full-precision ones; without a
   * variant the full-precision names, then the {@code fp16} ones.
   */
  public static List<String> weightFileNames(String variant) {
    List<String> variants =
        variant == null || variant.isEmpty() ? List.of("", ".fp16") : List.of("." + variant, "");
    List<String> names = new ArrayList<>();
    for (String suffix : variants) {
      for (String base : List.of("diffusion_pytorch_model", "model")) {
        names.add(base + suffix + ".safetensors");
        names.add(base + ".safetensors.index" + suffix + ".json");
      }
    }
    return List.copyOf(names);
  }

  static WeightSource folderWeights(Path dir, String requested) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new ModelFormatException(dir, "is missing (a diffusers model needs this component)");
    }
    for (String name : weightFileNames(requested)) {
      Path file = dir.resolve(name);
      if (Files.isRegularFile(file)) {
        return WeightSource.of(
            name.endsWith(".json") ? shards(file) : List.of(SafeTensorsFile.open(file)));
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> pickles = files.filter(ModelFiles::hasPickleSuffix).sorted().toList();
      if (!pickles.isEmpty()) {
        throw refusePickle(pickles.getFirst());
      }
    }
    throw new ModelFormatException(
        dir,
        "has no weights: expected diffusion_pytorch_model.safetensors or model.safetensors"
            + " (or a .fp16 variant, or a sharded .safetensors.index.json)");
  }

  private static List<SafeTensorsFile> shards(Path index) throws IOException {
    JsonNode map = ConfigJson.read(index).get("weight_map");
    if (map == null || !map.isObject()) {
      throw new ModelFormatException(index, "has no \"weight_map\" object");
    }
    Map<String, SafeTensorsFile> files = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String name = entry.getValue().asText();
      if (!files.containsKey(name)) {
        Path shard = index.resolveSibling(name);
        if (!shard.normalize().startsWith(index.getParent().normalize())) {
          throw new ModelFormatException(index, "names a shard outside its folder: " + name);
        }
        if (!Files.isRegularFile(shard)) {
          throw new ModelFormatException(shard, "is missing (listed in " + index + ")");
        }
        files.put(name, SafeTensorsFile.open(shard));
      }
      if (!files.get(name).contains(entry.getKey())) {
        throw new ModelFormatException(
            files.get(name).path(),
            "has no tensor " + entry.getKey() + " (listed for it in " + index + ")");
      }
    }
    return List.copyOf(files.values());
  }

  // ---- single file ----

  static SafeTensorsFile openCheckpoint(Path path) throws IOException {
    if (!Files.isRegularFile(path)) {
      throw new ModelFormatException(path, "is missing");
    }
    if (hasPickleSuffix(path) || startsLikePickle(path)) {
      throw refusePickle(path);
    }
    return SafeTensorsFile.open(path);
  }

  private static boolean hasPickleSuffix(Path path) {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    return PICKLE_SUFFIXES.stream().anyMatch(name::endsWith);
  }

  /**
   * A raw pickle starts with the PROTO opcode 0x80, a PyTorch zip file with "PK\3\4". A safetensors
   * file may start with 0x80 too (the low byte of its header length), but its header JSON then
   * opens at byte 8.
   */
  private static boolean startsLikePickle(Path path) throws IOException {
    byte[] head = new byte[9];
    try (InputStream in = Files.newInputStream(path)) {
      int read = in.readNBytes(head, 0, head.length);
      boolean safeTensorsHeader = read == head.length && head[8] == '{';
      return (read >= 1 && (head[0] & 0xff) == 0x80 && !safeTensorsHeader)
          || (read >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4);
    }
  }

  private static ModelFormatException refusePickle(Path path) {
    return new ModelFormatException(
        path,
        "is a PyTorch pickle file (.ckpt/.bin/.pt); Hydrogen never unpickles files, since"
            + " unpickling can run arbitrary code. Convert it to .safetensors (for example with"
            + " the safetensors 'convert' tool) and load that.");
  }

  private static StableDiffusionModel fromCheckpoint(
      SafeTensorsFile checkpoint, ModelFamily family, ConfigSource configSource)
      throws IOException {
    Configs configs = readConfigs(configSource);
    if ((family == ModelFamily.SDXL) != configs.isSdxl()) {
      throw new ModelFormatException(
          checkpoint.path(),
          "is "
              + (family == ModelFamily.SDXL ? "an SDXL" : "a " + family)
              + " checkpoint, but its configs ("
              + configSource.describe("model_index.json")
              + ") describe "
              + (configs.isSdxl() ? "an SDXL model" : "no SDXL model"));
    }
    if (family == ModelFamily.SDXL) {
      return sdxlFromCheckpoint(checkpoint, configs);
    }
    CheckpointWeights textEncoder =
        family == ModelFamily.SD2
            ? CheckpointWeights.resolve(
                checkpoint,
                ModelFamily.OPEN_CLIP_PREFIX,
                "text encoder",
                ParameterLayout.clip(configs.textEncoder(), ParameterLayout.ClipLayout.OPEN_CLIP))
            : CheckpointWeights.resolve(
                checkpoint,
                ModelFamily.CLIP_PREFIX,
                "text encoder",
                ParameterLayout.clip(
                    configs.textEncoder(), ParameterLayout.ClipLayout.HUGGING_FACE));
    CheckpointWeights unet =
        CheckpointWeights.resolve(
            checkpoint, ModelFamily.UNET_PREFIX, "UNet", ParameterLayout.unet(configs.unet()));
    CheckpointWeights vae =
        CheckpointWeights.resolve(
            checkpoint, ModelFamily.VAE_PREFIX, "VAE", ParameterLayout.vae(configs.vae()));
    return model(checkpoint.path(), family, configs, textEncoder, null, unet, vae);
  }

  /** An SGM checkpoint whose only text encoder is OpenCLIP, as embedder 0: the SDXL refiner. */
  private static boolean isRefiner(SafeTensorsFile checkpoint) {
    return checkpoint.names().stream().noneMatch(n -> n.startsWith(ModelFamily.SDXL_CLIP_PREFIX))
        && checkpoint.names().stream()
            .anyMatch(n -> n.startsWith(ModelFamily.SDXL_REFINER_OPEN_CLIP_PREFIX));
  }

  /**
   * SGM keys: CLIP ViT-L by Hugging Face names, OpenCLIP ViT-bigG by OpenCLIP names; the refiner
   * has only the OpenCLIP encoder, as embedder 0.
   */
  private static StableDiffusionModel sdxlFromCheckpoint(
      SafeTensorsFile checkpoint, Configs configs) {
    boolean refinerKeys = isRefiner(checkpoint);
    if (refinerKeys != configs.isRefiner()) {
      throw new ModelFormatException(
          checkpoint.path(),
          refinerKeys
              ? "is an SDXL refiner (its only text encoder is OpenCLIP), but its configs describe"
                  + " an SDXL base model; open it alone or with the refiner's diffusers configs"
                  + " (a folder with model_index.json listing only text_encoder_2)"
              : "is an SDXL base checkpoint, but its configs describe an SDXL refiner");
    }
    CheckpointWeights textEncoder =
        refinerKeys
            ? null
            : CheckpointWeights.resolve(
                checkpoint,
                ModelFamily.SDXL_CLIP_PREFIX,
                "text encoder",
                ParameterLayout.clip(
                    configs.textEncoder(), ParameterLayout.ClipLayout.HUGGING_FACE));
    CheckpointWeights textEncoder2 =
        CheckpointWeights.resolve(
            checkpoint,
            refinerKeys
                ? ModelFamily.SDXL_REFINER_OPEN_CLIP_PREFIX
                : ModelFamily.SDXL_OPEN_CLIP_PREFIX,
            refinerKeys ? "text encoder" : "second text encoder",
            ParameterLayout.clip(configs.textEncoder2(), ParameterLayout.ClipLayout.OPEN_CLIP));
    CheckpointWeights unet =
        CheckpointWeights.resolve(
            checkpoint, ModelFamily.UNET_PREFIX, "UNet", ParameterLayout.unet(configs.unet()));
    CheckpointWeights vae =
        CheckpointWeights.resolve(
            checkpoint, ModelFamily.VAE_PREFIX, "VAE", ParameterLayout.vae(configs.vae()));
    return model(
        checkpoint.path(), ModelFamily.SDXL, configs, textEncoder, textEncoder2, unet, vae);
  }
}
