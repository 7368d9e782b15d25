package network.hydrogen.task;

import static network.hydrogen.task.TestTasks.minimalWith;
import static network.hydrogen.task.TestTasks.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The records a valid task is bound to: values as given, defaults as the seed network's. */
class TaskArgsTest {

  @Test
  void minimalTaskGetsTheSeedNetworksDefaults() throws Exception {
    TaskArgs args = parse(TestTasks.MINIMAL).args();
    assertThat(args.version()).isEqualTo("2.5.0");
    assertThat(args.baseModel()).isEqualTo(new TaskArgs.BaseModel("m", Optional.empty()));
    assertThat(args.dtype()).isEqualTo(TaskArgs.Dtype.AUTO);
    assertThat(args.unet()).isEmpty();
    assertThat(args.negativePrompt()).isEmpty();
    assertThat(args.taskConfig()).isEqualTo(new TaskArgs.TaskConfig(512, 512, 1, 0, 6, true, 5.0));
    assertThat(args.lora()).isEmpty();
    assertThat(args.controlnet()).isEmpty();
    assertThat(args.refiner()).isEmpty();
    assertThat(args.scheduler())
        .isEqualTo(new TaskArgs.Scheduler(TaskArgs.SchedulerMethod.DPM_SOLVER_MULTISTEP, Map.of()));
    assertThat(args.vae()).isEmpty();
    assertThat(args.textualInversion()).isEmpty();
  }

  @Test
  void sectionsGetTheirDefaults() throws Exception {
    TaskArgs args =
        parse(
                minimalWith(
                    "'lora': {'model': 'l'}, 'refiner': {'model': 'r'},"
                        + " 'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE',"
                        + " 'preprocess': {'method': 'mediapipe_face'}}"))
            .args();
    assertThat(args.lora()).contains(new TaskArgs.Lora("l", "", 100));
    assertThat(args.refiner()).contains(new TaskArgs.Refiner("r", Optional.empty(), 80, 20));
    TaskArgs.ControlNet controlnet = args.controlnet().orElseThrow();
    assertThat(controlnet.weight()).isEqualTo(70);
    assertThat(controlnet.preprocess()).contains(new TaskArgs.Preprocess.MediapipeFace(1, 50));
  }

  @Test
  void bindsEveryValueOfTheExamples() throws Exception {
    TaskArgs sdxl =
        Tasks.parse(Files.readAllBytes(Path.of("../examples/sdxl-refiner.json"))).args();
    assertThat(sdxl.baseModel())
        .isEqualTo(
            new TaskArgs.BaseModel(
                "stabilityai/stable-diffusion-xl-base-1.0", Optional.of("fp16")));
    assertThat(sdxl.dtype()).isEqualTo(TaskArgs.Dtype.FLOAT16);
    assertThat(sdxl.taskConfig())
        .isEqualTo(new TaskArgs.TaskConfig(1024, 1024, 40, 2024, 2, true, 7.5));
    assertThat(sdxl.scheduler().method()).isEqualTo(TaskArgs.SchedulerMethod.DPM_SOLVER_MULTISTEP);
    assertThat(sdxl.scheduler().args())
        .containsOnly(
            entry("use_karras_sigmas", true),
            entry("algorithm_type", "dpmsolver++"),
            entry("solver_order", 2));
    assertThat(sdxl.refiner())
        .contains(
            new TaskArgs.Refiner(
                "stabilityai/stable-diffusion-xl-refiner-1.0", Optional.of("fp16"), 80, 20));

    TaskArgs lora = Tasks.parse(Files.readAllBytes(Path.of("../examples/lora.json"))).args();
    assertThat(lora.lora())
        .contains(new TaskArgs.Lora("https://civitai.com/api/download/models/34562", "", 70));
    assertThat(lora.vae()).isEqualTo("stabilityai/sd-vae-ft-mse");
    assertThat(lora.textualInversion()).isEqualTo("sd-concepts-library/cat-toy");
    assertThat(lora.taskConfig().safetyChecker()).isFalse();
  }

  @Test
  void schedulerArgsKeepTheirJsonTypes() throws Exception {
    TaskArgs.Scheduler scheduler =
        parse(
                minimalWith(
                    "'scheduler': {'method': 'LCMScheduler', 'args': {'original_inference_steps':"
                        + " 50, 'beta_start': 0, 'timestep_spacing': 'trailing', 'thresholding':"
                        + " null}}"))
            .args()
            .scheduler();
    assertThat(scheduler.method()).isEqualTo(TaskArgs.SchedulerMethod.LCM);
    assertThat(scheduler.args())
        .containsOnly(
            entry("original_inference_steps", 50),
            entry("beta_start", 0.0),
            entry("timestep_spacing", "trailing"));
  }

  static Stream<Arguments> preprocessing() {
    return Stream.of(
        arguments("{'method': 'canny'}", new TaskArgs.Preprocess.Canny(100, 200)),
        arguments(
            "{'method': 'canny', 'args': {'high_threshold': 150}}",
            new TaskArgs.Preprocess.Canny(100, 150)),
        arguments(
            "{'method': 'mlsd', 'args': {'thr_d': 20}}", new TaskArgs.Preprocess.Mlsd(10, 20)),
        arguments(
            "{'method': 'softedge_pidisafe', 'args': {'apply_filter': true}}",
            new TaskArgs.Preprocess.PidiNet(TaskArgs.PreprocessMethod.SOFTEDGE_PIDISAFE, true)),
        arguments("{'method': 'depth_zoe'}", new TaskArgs.Preprocess.DepthZoe(false)),
        arguments(
            "{'method': 'depth_leres++', 'args': {'thr_a': 30}}",
            new TaskArgs.Preprocess.Leres(TaskArgs.PreprocessMethod.DEPTH_LERES_PLUS_PLUS, 30, 0)),
        arguments(
            "{'method': 'shuffle', 'args': {'w': 256}}",
            new TaskArgs.Preprocess.Shuffle(
                OptionalInt.empty(), OptionalInt.of(256), OptionalInt.empty())),
        arguments(
            "{'method': 'mediapipe_face', 'args': {'max_faces': 2, 'min_confidence': 80}}",
            new TaskArgs.Preprocess.MediapipeFace(2, 80)),
        arguments(
            "{'method': 'openpose_full', 'args': {}}",
            new TaskArgs.Preprocess.Plain(TaskArgs.PreprocessMethod.OPENPOSE_FULL)),
        arguments(
            "{'method': 'lineart_anime'}",
            new TaskArgs.Preprocess.Plain(TaskArgs.PreprocessMethod.LINEART_ANIME)));
  }

  @ParameterizedTest
  @MethodSource("preprocessing")
  void bindsPreprocessingWithDefaults(String preprocess, TaskArgs.Preprocess expected)
      throws Exception {
    TaskArgs args =
        parse(
                minimalWith(
                    "'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'preprocess': "
                        + preprocess
                        + "}"))
            .args();
    assertThat(args.controlnet().orElseThrow().preprocess()).contains(expected);
  }

  @Test
  void preprocessRecordsRefuseAMethodWithOtherArguments() {
    assertThatThrownBy(() -> new TaskArgs.Preprocess.Plain(TaskArgs.PreprocessMethod.CANNY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("canny does not take these arguments");
    assertThatThrownBy(
            () -> new TaskArgs.Preprocess.Leres(TaskArgs.PreprocessMethod.DEPTH_MIDAS, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            new TaskArgs.Preprocess.PidiNet(TaskArgs.PreprocessMethod.SCRIBBLE_PIDINET, false)
                .method())
        .isEqualTo(TaskArgs.PreprocessMethod.SCRIBBLE_PIDINET);
  }

  @Test
  void controlNetImageDecodes() throws Exception {
    TaskArgs.ControlNet controlnet =
        parse(minimalWith("'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE'}"))
            .args()
            .controlnet()
            .orElseThrow();
    assertThat(controlnet.imageBytes()).hasSize(151).startsWith(0x89, 'P', 'N', 'G');
    assertThat(controlnet.preprocess()).isEmpty();
  }
}
