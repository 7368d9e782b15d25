package network.hydrogen.engine.library;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.PreparedTask;
import network.hydrogen.task.TaskArgs;
import network.hydrogen.task.Tasks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model downloads through {@link ModelStore} from a fake Hugging Face hub and Civitai on 127.0.0.1:
 * the real download path, resumes, checksums, the cache bound, offline mode, tokens.
 */
class ModelStoreTest {

  static final Path REFERENCE = Path.of("src/test/resources/engine-reference");
  static final Path SD15 = REFERENCE.resolve("sd15/model");
  static final Path LORA = REFERENCE.resolve("sd15-lora/lora/tiny_locon_kohya.safetensors");
  static final String HF_TOKEN = "hf_SECRET_hub_token_123";
  static final String CIVITAI_TOKEN = "civitai_SECRET_token_456";

  @TempDir Path cache;
  @TempDir Path models;

  FakeHub hub;
  final List<String> progress = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() throws IOException {
    hub = new FakeHub();
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  DownloadSettings settings(boolean offline, long cacheBytes) {
    return new DownloadSettings(
        cache,
        cacheBytes,
        offline,
        hub.endpoint(),
        Optional.of(HF_TOKEN),
        Optional.of(CIVITAI_TOKEN),
        hub.endpoint(),
        3,
        Duration.ofMillis(5));
  }

  ModelStore store(boolean offline) {
    return store(offline, DownloadSettings.DEFAULT_CACHE_BYTES);
  }

  ModelStore store(boolean offline, long cacheBytes) {
    return new ModelStore(
        Optional.of(new ModelLibrary(models)),
        settings(offline, cacheBytes),
        (file, done, total) -> progress.add(file + " " + done + "/" + total));
  }

  static TaskArgs task(String baseModel, String extra) throws Exception {
    String json =
        "{\"base_model\": "
            + baseModel
            + ", \"prompt\": \"a red fox\", \"negative_prompt\": \"blurry\","
            + " \"task_config\": {\"num_images\": 1, \"steps\": 2, \"seed\": 7, \"cfg\": 5,"
            + " \"image_width\": 64, \"image_height\": 64}"
            + extra
            + "}";
    return Tasks.parse(json.getBytes(StandardCharsets.UTF_8)).args();
  }

  static float[] generate(TaskArgs task, ModelSource models) throws IOException {
    return PreparedTask.prepare(task, models)
        .run(new InferenceOptions(1), GenerationListener.none())
        .images();
  }

  @Test
  void aDownloadedModelAndLoraGiveTheImageOfTheLocalFolder() throws Exception {
    Map<String, byte[]> withJunk = FakeHub.files(SD15);
    withJunk.put("safety_checker/config.json", FakeHub.utf8("{}"));
    withJunk.put("safety_checker/model.safetensors", new byte[] {1, 2, 3});
    withJunk.put("unet/diffusion_pytorch_model.bin", new byte[] {4, 5});
    withJunk.put("README.md", FakeHub.utf8("# tiny"));
    hub.addRepo("org/tiny-sd", withJunk);
    hub.addCivitai(
        "34562", Files.readAllBytes(LORA), "attachment; filename=\"tiny_locon.safetensors\"");
    String lora =
        ", \"lora\": {\"model\": \""
            + hub.endpoint()
            + "/api/download/models/34562\","
            + " \"weight\": 80}";
    TaskArgs task = task("\"org/tiny-sd\"", lora);

    float[] downloaded;
    try (ModelStore.Lease lease = store(false).lease()) {
      downloaded = generate(task, lease);
    }

    copyFolder(SD15, models.resolve("org/tiny-sd"));
    Files.copy(LORA, models.resolve("34562.safetensors"));
    assertThat(downloaded).containsExactly(generate(task, new ModelLibrary(models)));
    assertThat(hub.seen("safety_checker/model.safetensors")).isEmpty();
    assertThat(hub.seen(".bin")).isEmpty();
    assertThat(hub.seen("README.md")).isEmpty();
    assertThat(hub.seen("/cdn/")).isNotEmpty().allMatch(seen -> seen.authorization() == null);
    assertThat(hub.seen("/resolve/main/model_index.json")).isEmpty();
    assertThat(hub.seen("/resolve/" + FakeHub.COMMIT + "/model_index.json"))
        .singleElement()
        .extracting(FakeHub.Seen::authorization)
        .isEqualTo("Bearer " + HF_TOKEN);
    assertThat(cache.resolve("huggingface/org/tiny-sd/unet/diffusion_pytorch_model.safetensors"))
        .hasSameBinaryContentAs(SD15.resolve("unet/diffusion_pytorch_model.safetensors"));
    assertThat(progress).anyMatch(p -> p.contains("unet/diffusion_pytorch_model.safetensors"));
  }

  @Test
  void theTaskVariantIsFetchedAndTheFullPrecisionFilesOfTheRest() throws Exception {
    Map<String, byte[]> files = FakeHub.files(SD15);
    files.put(
        "unet/diffusion_pytorch_model.fp16.safetensors",
        files.get("unet/diffusion_pytorch_model.safetensors"));
    hub.addRepo("org/variants", files);

    try (ModelStore.Lease lease = store(false).lease()) {
      lease.locate(ModelKind.MODEL, "org/variants", Optional.of("fp16"), "");
    }

    assertThat(hub.seen("unet/diffusion_pytorch_model.fp16.safetensors")).hasSize(1);
    assertThat(hub.seen("unet/diffusion_pytorch_model.safetensors")).isEmpty();
    assertThat(hub.seen("vae/diffusion_pytorch_model.safetensors")).hasSize(1);

    hub.clearSeen();
    try (ModelStore.Lease lease = store(false).lease()) {
      lease.locate(ModelKind.MODEL, "org/variants", Optional.empty(), "");
    }
    assertThat(hub.seen("unet/diffusion_pytorch_model.safetensors")).hasSize(1);
    assertThat(hub.seen("vae/diffusion_pytorch_model.safetensors")).isEmpty();
    assertThat(hub.seen("/api/models/org/variants/revision/main")).isEmpty();
  }

  @Test
  void componentAndSingleFileReposGiveTheirFolderOrTheirFile() throws Exception {
    Map<String, byte[]> controlnet = FakeHub.files(REFERENCE.resolve("sd15-controlnet/controlnet"));
    controlnet.put("diffusion_pytorch_model.bin", new byte[] {1});
    controlnet.put("diffusion_pytorch_model.fp16.safetensors", new byte[] {2});
    hub.addRepo("org/controlnet", controlnet);
    hub.addRepo(
        "org/checkpoint",
        Map.of(
            "v1-5-tiny.safetensors",
            Files.readAllBytes(REFERENCE.resolve("sd15/model.safetensors")),
            "README.md",
            FakeHub.utf8("# a checkpoint")));
    hub.addRepo(
        "org/two-loras",
        Map.of("a.safetensors", new byte[] {1}, "b.safetensors", Files.readAllBytes(LORA)));

    try (ModelStore.Lease lease = store(false).lease()) {
      assertThat(lease.openControlNet("org/controlnet", Optional.empty())).isNotNull();
      assertThat(lease.locate(ModelKind.MODEL, "org/checkpoint", Optional.empty(), ""))
          .isEqualTo(cache.resolve("huggingface/org/checkpoint/v1-5-tiny.safetensors"));
      assertThat(lease.adapterFile(ModelKind.LORA, "org/two-loras", "b.safetensors"))
          .hasBinaryContent(Files.readAllBytes(LORA));
      assertThatThrownBy(() -> lease.adapterFile(ModelKind.LORA, "org/two-loras", ""))
          .isInstanceOf(ModelNotFoundException.class)
          .hasMessageContaining("LoRA org/two-loras: the repo has 2 .safetensors files")
          .hasMessageContaining("weight_file_name");
    }
    assertThat(hub.seen("controlnet/resolve/" + FakeHub.COMMIT + "/config.json")).hasSize(1);
    assertThat(hub.seen("diffusion_pytorch_model.bin")).isEmpty();
    assertThat(hub.seen("diffusion_pytorch_model.fp16.safetensors")).isEmpty();
    assertThat(hub.seen("README.md")).isEmpty();
    assertThat(hub.seen("a.safetensors")).isEmpty();
  }

  @Test
  void aDroppedConnectionIsResumedWithARange() throws Exception {
    byte[] lora = Files.readAllBytes(LORA);
    hub.addRepo("org/lora", Map.of("pytorch_lora_weights.safetensors", lora));
    hub.dropSuffix = "/cdn/" + FakeHub.sha256(lora);
    hub.dropAfter = 100_000;
    hub.drops.set(2);

    Path file;
    try (ModelStore.Lease lease = store(false).lease()) {
      file = lease.adapterFile(ModelKind.LORA, "org/lora", "");
    }

    assertThat(file).hasBinaryContent(lora);
    // each try resumes where the last one's received bytes end (at most where the server cut)
    List<Long> starts = resumedAt(hub.seen(hub.dropSuffix));
    assertThat(starts).hasSize(3).isSorted().doesNotHaveDuplicates();
    assertThat(starts.get(0)).isZero();
    assertThat(starts.get(1)).isPositive().isLessThanOrEqualTo(100_000);
    assertThat(starts.get(2)).isLessThanOrEqualTo(200_000);
    assertThat(file.resolveSibling(file.getFileName() + ".part")).doesNotExist();
  }

  @Test
  void aStalledDownloadIsGivenUpAndResumed() throws Exception {
    byte[] lora = Files.readAllBytes(LORA);
    hub.addRepo("org/lora", Map.of("pytorch_lora_weights.safetensors", lora));
    hub.dropSuffix = "/cdn/" + FakeHub.sha256(lora);
    hub.dropAfter = 100_000;
    hub.drops.set(1);
    hub.stall = true;
    ModelStore store =
        new ModelStore(
            Optional.empty(),
            settings(false, Long.MAX_VALUE),
            DownloadListener.NONE,
            Duration.ofMillis(300));

    long started = System.nanoTime();
    try (ModelStore.Lease lease = store.lease()) {
      assertThat(lease.adapterFile(ModelKind.LORA, "org/lora", "")).hasBinaryContent(lora);
    }

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
    List<Long> starts = resumedAt(hub.seen(hub.dropSuffix));
    assertThat(starts).hasSize(2);
    assertThat(starts.get(1)).isPositive().isLessThanOrEqualTo(100_000);
  }

  @Test
  void aLeftoverPartFileIsContinuedOrRestartedWhenTheServerIgnoresTheRange() throws Exception {
    byte[] lora = Files.readAllBytes(LORA);
    hub.addRepo("org/lora", Map.of("pytorch_lora_weights.safetensors", lora));
    Path entry = cache.resolve("huggingface/org/lora");
    Path part = entry.resolve("pytorch_lora_weights.safetensors.part");
    Files.createDirectories(entry);
    Files.write(part, Arrays.copyOf(lora, 5000));
    String cdn = "/cdn/" + FakeHub.sha256(lora);

    try (ModelStore.Lease lease = store(false).lease()) {
      assertThat(lease.adapterFile(ModelKind.LORA, "org/lora", "")).hasBinaryContent(lora);
    }
    assertThat(hub.seen(cdn)).extracting(FakeHub.Seen::range).containsExactly("bytes=5000-");

    Files.delete(entry.resolve("pytorch_lora_weights.safetensors"));
    Files.write(part, new byte[7000]);
    hub.ignoreRange = true;
    try (ModelStore.Lease lease = store(false).lease()) {
      assertThat(lease.adapterFile(ModelKind.LORA, "org/lora", "")).hasBinaryContent(lora);
    }
  }

  @Test
  void aCorruptFileIsNamedAndNotKept() throws Exception {
    hub.addRepo("org/lora", Map.of("pytorch_lora_weights.safetensors", Files.readAllBytes(LORA)));
    hub.corrupt = true;

    try (ModelStore.Lease lease = store(false).lease()) {
      assertThatThrownBy(() -> lease.adapterFile(ModelKind.LORA, "org/lora", ""))
          .isInstanceOf(ModelDownloadException.class)
          .hasMessageContaining("LoRA org/lora pytorch_lora_weights.safetensors is corrupt")
          .hasMessageContaining("deleted");
    }
    try (Stream<Path> files = Files.walk(cache.resolve("huggingface/org/lora"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(name -> name.startsWith("pytorch_lora_weights"));
    }
  }

  @Test
  void theLeastRecentlyUsedModelIsEvictedButNotOneInUse() throws Exception {
    byte[] lora = Files.readAllBytes(LORA);
    for (String name : List.of("a", "b", "c", "d")) {
      byte[] copy = lora.clone();
      copy[copy.length - 1] = (byte) name.charAt(0);
      hub.addRepo("org/" + name, Map.of("pytorch_lora_weights.safetensors", copy));
    }
    ModelStore store = store(false, lora.length * 5L / 2);
    Path a = fetch(store, "org/a");
    Thread.sleep(20);
    Path b = fetch(store, "org/b");
    Thread.sleep(20);
    fetch(store, "org/a");
    Thread.sleep(20);

    fetch(store, "org/c");

    assertThat(a).exists();
    assertThat(b).doesNotExist();
    assertThat(cache.resolve("huggingface/org/b")).doesNotExist();

    try (ModelStore.Lease inUse = store.lease()) {
      inUse.adapterFile(ModelKind.LORA, "org/a", "");
      Thread.sleep(20);
      fetch(store, "org/d");
      assertThat(a).exists();
      assertThat(cache.resolve("huggingface/org/c")).doesNotExist();
    }
  }

  @Test
  void aModelsFolderSharingTheCacheFolderKeepsItsOwnFiles() throws Exception {
    byte[] lora = Files.readAllBytes(LORA);
    hub.addRepo("org/a", Map.of("pytorch_lora_weights.safetensors", lora));
    hub.addRepo("org/b", Map.of("pytorch_lora_weights.safetensors", lora.clone()));
    Path own = cache.resolve("huggingface/mine/own.safetensors");
    Files.createDirectories(own.getParent());
    Files.write(own, lora);
    ModelStore store =
        new ModelStore(
            Optional.of(new ModelLibrary(cache)),
            settings(false, lora.length / 2),
            DownloadListener.NONE);

    fetch(store, "org/a");
    fetch(store, "org/b");

    assertThat(own).exists();
    assertThat(cache.resolve("huggingface/org/a")).doesNotExist();
    assertThat(cache.resolve("huggingface/org/b/pytorch_lora_weights.safetensors")).exists();
  }

  /** Where each request asked its body to start: 0 without a Range, else the Range's start. */
  private static List<Long> resumedAt(List<FakeHub.Seen> requests) {
    return requests.stream()
        .map(r -> r.range() == null ? 0L : Long.parseLong(r.range().replaceAll("\\D", "")))
        .toList();
  }

  private static Path fetch(ModelStore store, String name) throws IOException {
    try (ModelStore.Lease lease = store.lease()) {
      return lease.adapterFile(ModelKind.LORA, name, "");
    }
  }

  @Test
  void offlineUsesTheCacheAndNamesWhatIsMissing() throws Exception {
    hub.addRepo("org/tiny-sd", SD15);
    Path online;
    try (ModelStore.Lease lease = store(false).lease()) {
      online = lease.locate(ModelKind.MODEL, "org/tiny-sd", Optional.empty(), "");
    }
    hub.clearSeen();

    try (ModelStore.Lease lease = store(true).lease()) {
      assertThat(lease.locate(ModelKind.MODEL, "org/tiny-sd", Optional.empty(), ""))
          .isEqualTo(online);
      assertThat(lease.open("org/tiny-sd", Optional.empty())).isNotNull();
      assertThatThrownBy(() -> lease.locate(ModelKind.MODEL, "org/other", Optional.empty(), ""))
          .isInstanceOf(ModelNotFoundException.class)
          .hasMessageContaining("model org/other is not in the models folder")
          .hasMessageContaining("nor in the download cache")
          .hasMessageContaining("offline");
      assertThatCode(() -> lease.locate(ModelKind.MODEL, "org/tiny-sd", Optional.of("fp16"), ""))
          .doesNotThrowAnyException();
    }
    assertThat(hub.seen()).isEmpty();
  }

  @Test
  void civitaiNamesTheFileAndGetsItsTokenButTheCdnDoesNot() throws Exception {
    byte[] lora = Files.readAllBytes(LORA);
    hub.addCivitai("1", lora, "attachment; filename*=UTF-8''tiny%20locon%20%C3%A9.safetensors");
    hub.publishCivitaiHash("1", "tiny locon é.safetensors", lora);
    hub.requiredToken = CIVITAI_TOKEN;
    String url = hub.endpoint() + "/api/download/models/1?type=Model";

    Path file;
    try (ModelStore.Lease lease = store(false).lease()) {
      file = lease.adapterFile(ModelKind.LORA, url, "");
    }

    assertThat(file.getFileName().toString()).isEqualTo("tiny_locon_.safetensors");
    assertThat(file).hasBinaryContent(lora);
    assertThat(hub.seen("/api/download/models/1").getFirst().authorization())
        .isEqualTo("Bearer " + CIVITAI_TOKEN);
    assertThat(hub.seen("/file")).singleElement().extracting(FakeHub.Seen::authorization).isNull();

    hub.clearSeen();
    try (ModelStore.Lease lease = store(true).lease()) {
      assertThat(lease.adapterFile(ModelKind.LORA, url, "")).isEqualTo(file);
    }
    assertThat(hub.seen()).isEmpty();
  }

  @Test
  void aCivitaiFileIsCheckedAgainstItsPublishedHash() throws Exception {
    byte[] lora = Files.readAllBytes(LORA);
    hub.addCivitai("2", lora, "attachment; filename=\"lora.safetensors\"");
    hub.publishCivitaiHash("2", "lora.safetensors", lora);
    hub.corrupt = true;
    String url = hub.endpoint() + "/api/download/models/2";

    try (ModelStore.Lease lease = store(false).lease()) {
      assertThatThrownBy(() -> lease.adapterFile(ModelKind.LORA, url, ""))
          .isInstanceOf(ModelDownloadException.class)
          .hasMessageContaining("LoRA " + url + " is corrupt");
      hub.corrupt = false;
      assertThat(lease.adapterFile(ModelKind.LORA, url, "")).hasBinaryContent(lora);
    }
    assertThat(hub.seen("/api/v1/model-versions/2")).hasSize(1);
  }

  @Test
  void errorsGiveTheStatusAndTheUrlButNeverAToken() throws Exception {
    hub.addRepo("org/lora", Map.of("pytorch_lora_weights.safetensors", Files.readAllBytes(LORA)));
    hub.requiredToken = "another token";
    String url = hub.endpoint() + "/api/download/models/9?token=" + CIVITAI_TOKEN;

    try (ModelStore.Lease lease = store(false).lease()) {
      assertThatThrownBy(() -> lease.adapterFile(ModelKind.LORA, "org/lora", ""))
          .isInstanceOf(ModelDownloadException.class)
          .hasMessageContaining("HTTP 403")
          .hasMessageContaining("/api/models/org/lora/revision/main")
          .hasMessageContaining("HF_TOKEN")
          .hasMessageNotContaining(HF_TOKEN);
      hub.requiredToken = null;
      assertThatThrownBy(() -> lease.adapterFile(ModelKind.LORA, url, ""))
          .isInstanceOf(ModelNotFoundException.class)
          .hasMessageContaining("HTTP 404")
          .hasMessageContaining("/api/download/models/9")
          .hasMessageNotContaining(CIVITAI_TOKEN);
      assertThatThrownBy(() -> lease.adapterFile(ModelKind.LORA, "org/missing", ""))
          .isInstanceOf(ModelNotFoundException.class)
          .hasMessageContaining("LoRA org/missing is not in the models folder " + models)
          .hasMessageContaining("HTTP 404 (Repository not found)");
      assertThat(cache.resolve("huggingface/org/missing")).doesNotExist();
      hub.failSuffix = ".safetensors";
      hub.failStatus = 503;
      assertThatThrownBy(() -> lease.adapterFile(ModelKind.LORA, "org/lora", ""))
          .isInstanceOf(ModelDownloadException.class)
          .hasMessageContaining("failed 3 times")
          .hasMessageContaining("HTTP 503")
          .hasMessageNotContaining(HF_TOKEN);
    }
    try (ModelStore.Lease offline =
        new ModelStore(Optional.empty(), settings(true, 1000), DownloadListener.NONE).lease()) {
      assertThatThrownBy(() -> offline.adapterFile(ModelKind.LORA, url, ""))
          .isInstanceOf(ModelNotFoundException.class)
          .hasMessageContaining("LoRA " + hub.endpoint() + "/api/download/models/9 is not in")
          .hasMessageNotContaining(CIVITAI_TOKEN);
    }
    assertThat(progress).noneMatch(p -> p.contains(HF_TOKEN) || p.contains(CIVITAI_TOKEN));
    assertThat(settings(false, 1).toString())
        .doesNotContain(HF_TOKEN)
        .doesNotContain(CIVITAI_TOKEN);
  }

  @Test
  void theLocalModelsFolderComesFirst() throws Exception {
    copyFolder(SD15, models.resolve("org/tiny-sd"));
    try (ModelStore.Lease lease = store(false).lease()) {
      assertThat(lease.locate(ModelKind.MODEL, "org/tiny-sd", Optional.empty(), ""))
          .isEqualTo(models.resolve("org/tiny-sd"));
    }
    assertThat(hub.seen()).isEmpty();
  }

  @Test
  void theEnvironmentSetsTheEndpointAndTokens() {
    DownloadSettings settings =
        DownloadSettings.fromEnvironment(
            cache,
            1000,
            false,
            Map.of(
                "HF_ENDPOINT", "http://mirror.example:8080", "HF_TOKEN", "t", "CIVITAI_TOKEN", ""));

    assertThat(settings.hfEndpoint()).hasToString("http://mirror.example:8080");
    assertThat(settings.hfToken()).contains("t");
    assertThat(settings.civitaiToken()).isEmpty();
    assertThat(DownloadSettings.fromEnvironment(cache, 1000, false, Map.of()).hfEndpoint())
        .isEqualTo(DownloadSettings.HUGGING_FACE);
  }

  static void copyFolder(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        Files.createDirectories(target.getParent());
        Files.copy(file, target);
      }
    }
  }
}
