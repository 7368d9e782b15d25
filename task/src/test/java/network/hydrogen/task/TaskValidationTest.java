package network.hydrogen.task;

import static network.hydrogen.task.TestTasks.json;
import static network.hydrogen.task.TestTasks.minimalWith;
import static network.hydrogen.task.TestTasks.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TaskValidationTest {

  static Stream<String> validTasks() {
    Stream<String> fields =
        Stream.of(
            TestTasks.MINIMAL,
            minimalWith("'version': '1.0.0'"),
            minimalWith("'version': '3.0.0', 'dtype': 'bfloat16'"),
            json(
                "{'base_model': {'name': 'm', 'variant': 'fp16'}, 'prompt': 'p', 'task_config': {}}"),
            json(
                "{'base_model': {'name': 'm', 'variant': null}, 'prompt': 'p', 'task_config': {}}"),
            minimalWith(
                "'unet': 'latent-consistency/lcm-sdxl', 'vae': 'v', 'textual_inversion': 't'"),
            minimalWith("'negative_prompt': '', 'dtype': 'float32'"),
            json(
                "{'base_model': 'm', 'prompt': 'p', 'task_config': {'image_width': 2048,"
                    + " 'image_height': 64, 'steps': 100, 'seed': 2147483647, 'num_images': 10,"
                    + " 'safety_checker': false, 'cfg': 20}}"),
            json(
                "{'base_model': 'm', 'prompt': 'p', 'task_config': {'steps': 1, 'seed': 0,"
                    + " 'num_images': 1, 'cfg': 0, 'image_width': 512.0}}"),
            minimalWith("'lora': {'model': 'l', 'weight_file_name': 'w.safetensors', 'weight': 1}"),
            minimalWith("'lora': null, 'controlnet': null, 'refiner': null"),
            minimalWith(
                "'refiner': {'model': 'r', 'variant': 'fp16', 'denoising_cutoff': 100, 'steps': 1}"),
            minimalWith("'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE'}"),
            minimalWith(
                "'controlnet': {'model': 'c', 'variant': null, 'image_dataurl': 'IMAGE', 'weight': 100,"
                    + " 'preprocess': null}"),
            minimalWith("'scheduler': {'method': 'EulerAncestralDiscreteScheduler', 'args': null}"),
            minimalWith(
                "'scheduler': {'method': 'EulerAncestralDiscreteScheduler', 'args': {"
                    + "'num_train_timesteps': 1000, 'beta_start': 0.00085, 'beta_end': 0.012,"
                    + " 'beta_schedule': 'scaled_linear', 'prediction_type': 'v_prediction',"
                    + " 'timestep_spacing': 'trailing', 'steps_offset': 1,"
                    + " 'rescale_betas_zero_snr': true}}"),
            minimalWith(
                "'scheduler': {'method': 'DPMSolverMultistepScheduler', 'args': {'solver_order': 3,"
                    + " 'thresholding': false, 'dynamic_thresholding_ratio': 0.995,"
                    + " 'sample_max_value': 1.0, 'algorithm_type': 'sde-dpmsolver++',"
                    + " 'solver_type': 'heun', 'lower_order_final': true, 'euler_at_final': false,"
                    + " 'use_karras_sigmas': true, 'use_lu_lambdas': false,"
                    + " 'final_sigmas_type': 'sigma_min', 'lambda_min_clipped': -5.1,"
                    + " 'variance_type': null}}"),
            minimalWith(
                "'scheduler': {'method': 'LCMScheduler', 'args': {'original_inference_steps': 50,"
                    + " 'clip_samples': 1, 'clip_samples_range': 1.5, 'set_alpha_to_one': true,"
                    + " 'thresholding': false, 'dynamic_thresholding_ratio': 0.9,"
                    + " 'sample_max_value': 1.5, 'timestep_scaling': 10.0}}"));
    Stream<String> preprocessArgs =
        Stream.of(
                "{'method': 'canny', 'args': {'low_threshold': 0, 'high_threshold': 255}}",
                "{'method': 'mlsd', 'args': {'thr_v': 1, 'thr_d': 100}}",
                "{'method': 'scribble_pidinet', 'args': {'apply_filter': true}}",
                "{'method': 'depth_zoe', 'args': {'gamma_corrected': true}}",
                "{'method': 'depth_leres', 'args': {'thr_a': 0, 'thr_b': 100}}",
                "{'method': 'depth_leres++', 'args': {}}",
                "{'method': 'shuffle', 'args': {'h': 512, 'w': 512, 'f': 256}}",
                "{'method': 'shuffle', 'args': {'h': null}}",
                "{'method': 'mediapipe_face', 'args': {'max_faces': 3, 'min_confidence': 90}}",
                "{'method': 'openpose', 'args': null}")
            .map(
                p ->
                    minimalWith(
                        "'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'preprocess': "
                            + p
                            + "}"));
    Stream<String> everyPreprocessMethod =
        Arrays.stream(TaskArgs.PreprocessMethod.values())
            .map(
                m ->
                    minimalWith(
                        "'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'preprocess': {'method': '"
                            + m.jsonName()
                            + "'}}"));
    return Stream.of(fields, preprocessArgs, everyPreprocessMethod).flatMap(s -> s);
  }

  @ParameterizedTest
  @MethodSource("validTasks")
  void acceptsValidTask(String task) {
    assertThatCode(() -> parse(task)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @MethodSource("network.hydrogen.task.TestTasks#exampleFiles")
  void acceptsExamplesAndTheSeedNetworksDocumentedTasks(Path file) throws IOException {
    assertThatCode(() -> Tasks.parse(Files.readAllBytes(file))).doesNotThrowAnyException();
  }

  static Stream<Arguments> invalidTasks() {
    return Stream.of(
        // Missing required fields.
        arguments("{'prompt': 'p', 'task_config': {}}", "base_model", "is required"),
        arguments("{'base_model': 'm', 'task_config': {}}", "prompt", "is required"),
        arguments("{'base_model': 'm', 'prompt': 'p'}", "task_config", "is required"),
        arguments(
            "{'base_model': {'variant': 'fp16'}, 'prompt': 'p', 'task_config': {}}",
            "base_model.name",
            "is required"),
        arguments(minimalWith("'lora': {'weight': 50}"), "lora.model", "is required"),
        arguments(minimalWith("'refiner': {}"), "refiner.model", "is required"),
        arguments(
            minimalWith("'controlnet': {'model': 'c'}"), "controlnet.image_dataurl", "is required"),
        arguments(
            minimalWith("'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'preprocess': {}}"),
            "controlnet.preprocess.method",
            "is required"),
        arguments(minimalWith("'scheduler': {'args': {}}"), "scheduler.method", "is required"),
        // Empty or null where a value is needed.
        arguments(
            "{'base_model': 'm', 'prompt': '', 'task_config': {}}", "prompt", "must not be empty"),
        arguments(
            "{'base_model': 'm', 'prompt': 'a (red fox', 'task_config': {}}",
            "prompt",
            "malformed Compel prompt: '(' is never closed (at offset 2: \"a (red fox\")"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'negative_prompt': '(a, b).blend(1)',"
                + " 'task_config': {}}",
            "negative_prompt",
            "malformed Compel prompt: .blend() has 2 prompts but 1 weight"
                + " (at offset 6: \"(a, b).blend(1)\")"),
        arguments(
            "{'base_model': '', 'prompt': 'p', 'task_config': {}}",
            "base_model",
            "must not be empty"),
        arguments(
            "{'base_model': 'm', 'prompt': null, 'task_config': {}}",
            "prompt",
            "must be a string, was null"),
        arguments(
            minimalWith("'scheduler': null"),
            "scheduler",
            "must be an object {\"method\": ..., \"args\": {...}}, was null"),
        // Wrong types.
        arguments(
            "{'base_model': 3, 'prompt': 'p', 'task_config': {}}",
            "base_model",
            "must be a string or an object, was 3"),
        arguments(
            "{'base_model': 'm', 'prompt': ['p'], 'task_config': {}}",
            "prompt",
            "must be a string, was an array"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'steps': '25'}}",
            "task_config.steps",
            "must be an integer, was \"25\""),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'steps': 2.5}}",
            "task_config.steps",
            "must be an integer, was 2.5"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'cfg': '7'}}",
            "task_config.cfg",
            "must be a number, was \"7\""),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'safety_checker': 'yes'}}",
            "task_config.safety_checker",
            "must be true or false, was \"yes\""),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': []}",
            "task_config",
            "must be an object, was an array"),
        arguments("[]", "", "the task must be an object, was an array"),
        // Out of range.
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'steps': 150}}",
            "task_config.steps",
            "must be 1..100, was 150"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'steps': 0}}",
            "task_config.steps",
            "must be 1..100, was 0"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'seed': 2147483648}}",
            "task_config.seed",
            "must be 0..2147483647, was 2147483648"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'seed': -1}}",
            "task_config.seed",
            "must be 0..2147483647, was -1"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'num_images': 11}}",
            "task_config.num_images",
            "must be 1..10, was 11"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'cfg': 20.5}}",
            "task_config.cfg",
            "must be 0..20, was 20.5"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'cfg': 1e400}}",
            "task_config.cfg",
            "must be 0..20, was 1E+400"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'image_width': 500}}",
            "task_config.image_width",
            "must be a multiple of 8, was 500"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'image_height': 4096}}",
            "task_config.image_height",
            "must be 64..2048, was 4096"),
        arguments(
            minimalWith("'lora': {'model': 'l', 'weight': 0}"),
            "lora.weight",
            "must be 1..100, was 0"),
        arguments(
            minimalWith("'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'weight': 101}"),
            "controlnet.weight",
            "must be 1..100, was 101"),
        arguments(
            minimalWith("'refiner': {'model': 'r', 'denoising_cutoff': 0}"),
            "refiner.denoising_cutoff",
            "must be 1..100, was 0"),
        arguments(
            minimalWith("'refiner': {'model': 'r', 'steps': 101}"),
            "refiner.steps",
            "must be 1..100, was 101"),
        arguments(
            minimalWith(
                "'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'preprocess': {'method': 'mlsd', 'args': {'thr_v': 0}}}"),
            "controlnet.preprocess.args.thr_v",
            "must be 1..100, was 0"),
        arguments(
            minimalWith(
                "'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'preprocess': {'method': 'canny', 'args': {'low_threshold': -1}}}"),
            "controlnet.preprocess.args.low_threshold",
            "must be 0..2147483647, was -1"),
        arguments(
            minimalWith(
                "'scheduler': {'method': 'DPMSolverMultistepScheduler', 'args': {'solver_order': 4}}"),
            "scheduler.args.solver_order",
            "must be 1..3, was 4"),
        arguments(
            minimalWith("'scheduler': {'method': 'LCMScheduler', 'args': {'timestep_scaling': 0}}"),
            "scheduler.args.timestep_scaling",
            "must be a number > 0, was 0"),
        arguments(
            minimalWith("'scheduler': {'method': 'LCMScheduler', 'args': {'beta_end': 1.5}}"),
            "scheduler.args.beta_end",
            "must be 0..1, was 1.5"),
        // Not one of the allowed values.
        arguments(
            minimalWith("'version': '2.2.0'"),
            "version",
            "must be one of 1.0.0, 2.0.0, 2.1.0, 2.5.0, 3.0.0, was \"2.2.0\""),
        arguments(
            minimalWith("'dtype': 'fp16'"),
            "dtype",
            "must be one of float16, bfloat16, float32, auto, was \"fp16\""),
        arguments(
            minimalWith("'scheduler': {'method': 'DDIMScheduler'}"),
            "scheduler.method",
            "must be one of DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,"
                + " LCMScheduler, was \"DDIMScheduler\""),
        arguments(
            minimalWith(
                "'scheduler': {'method': 'DPMSolverMultistepScheduler', 'args': {'algorithm_type': 'dpm'}}"),
            "scheduler.args.algorithm_type",
            "must be one of dpmsolver, dpmsolver++, sde-dpmsolver, sde-dpmsolver++, was \"dpm\""),
        // Unknown fields: typos must not pass silently.
        arguments(
            minimalWith("'negative_promt': 'x'"),
            "negative_promt",
            "unknown field; expected one of version, base_model, dtype, unet, prompt,"
                + " negative_prompt, task_config, lora, controlnet, scheduler, vae, refiner,"
                + " textual_inversion"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'step': 20}}",
            "task_config.step",
            "unknown field; expected one of image_width, image_height, steps, seed, num_images,"
                + " safety_checker, cfg"),
        arguments(
            minimalWith(
                "'scheduler': {'method': 'EulerAncestralDiscreteScheduler', 'args': {'use_karras_sigmas': true}}"),
            "scheduler.args.use_karras_sigmas",
            "unknown field; expected one of num_train_timesteps, beta_start, beta_end,"
                + " beta_schedule, prediction_type, timestep_spacing, steps_offset,"
                + " rescale_betas_zero_snr"),
        arguments(
            minimalWith(
                "'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'preprocess': {'method': 'openpose', 'args': {'x': 1}}}"),
            "controlnet.preprocess.args.x",
            "unknown field; expected no fields here"),
        arguments(
            minimalWith("'scheduler': {'method': 'LCMScheduler', 'params': {}}"),
            "scheduler.params",
            "unknown field; expected one of method, args"),
        arguments(
            minimalWith("'my field': 1"),
            "[\"my field\"]",
            "unknown field; expected one of version, base_model, dtype, unet, prompt,"
                + " negative_prompt, task_config, lora, controlnet, scheduler, vae, refiner,"
                + " textual_inversion"),
        // Images.
        arguments(
            minimalWith(
                "'controlnet': {'model': 'c', 'image_dataurl': 'https://example.com/a.png'}"),
            "controlnet.image_dataurl",
            "must be a base64 image data URL (data:image/<type>;base64,<data>), was"
                + " \"https://example.com/a.png\""),
        arguments(
            minimalWith(
                "'controlnet': {'model': 'c', 'image_dataurl': 'data:image/png;base64,12FE1373...'}"),
            "controlnet.image_dataurl",
            "has invalid base64 data (Illegal base64 character 2e)"),
        arguments(
            minimalWith(
                "'controlnet': {'model': 'c', 'image_dataurl': 'data:image/png;base64,aGVsbG8gd29ybGQ='}"),
            "controlnet.image_dataurl",
            "does not hold a PNG, JPEG, WebP, GIF, BMP or TIFF image"),
        arguments(
            minimalWith("'controlnet': {'model': 'c', 'image_dataurl': 'data:image/png;base64,'}"),
            "controlnet.image_dataurl",
            "has no image data"),
        // Not JSON, or JSON that no task can be.
        arguments(
            "{'base_model': 'm',",
            "",
            "the task is not valid JSON at line 1, column 20:"
                + " Unexpected end-of-input within/between Object entries"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p' 'task_config': {}}",
            "",
            "the task is not valid JSON at line 1, column 35: Unexpected character ('\"' (code"
                + " 34)): was expecting comma to separate Object entries"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'cfg': NaN}}",
            "",
            "the task is not valid JSON at line 1, column 62: Non-standard token 'NaN': enable"
                + " `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'seed': 012}}",
            "",
            "the task is not valid JSON at line 1, column 61: Invalid numeric value: Leading"
                + " zeroes not allowed"),
        arguments("", "", "the task is empty; expected a JSON object"),
        arguments(TestTasks.MINIMAL + " {}", "", "the task has more JSON after its end"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'prompt': 'q', 'task_config': {}}",
            "prompt",
            "appears twice; each field may be given once"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {'seed': 1, 'seed': 2}}",
            "task_config.seed",
            "appears twice; each field may be given once"),
        arguments(
            "{'base_model': 'm', 'prompt': 'p', 'task_config': {}, 'x': "
                + "[".repeat(20)
                + "]".repeat(20)
                + "}",
            "",
            "the task nests objects or arrays deeper than 16 levels"),
        arguments(
            "{'base_model': 'm', 'prompt': '\\ud83d', 'task_config': {}}",
            "prompt",
            "must be valid Unicode text (has an unpaired surrogate \\uD800-\\uDFFF)"));
  }

  @ParameterizedTest
  @MethodSource("invalidTasks")
  void rejectsInvalidTaskNamingTheField(String task, String path, String message) {
    InvalidTaskException e =
        catchThrowableOfType(InvalidTaskException.class, () -> parse(json(task)));
    assertThat(e).as("accepted %s", task).isNotNull();
    assertThat(e.errors()).extracting(TaskError::path).containsExactly(path);
    assertThat(e.errors().getFirst().message()).isEqualTo(message);
  }

  @Test
  void reportsEveryErrorNotOnlyTheFirst() {
    String task =
        json(
            "{'base_model': '', 'prompt': 'p', 'task_config': {'steps': 0, 'image_width': 100,"
                + " 'cfg': -1}, 'lora': {'model': 'l', 'weigth': 5}}");
    InvalidTaskException e = catchThrowableOfType(InvalidTaskException.class, () -> parse(task));
    assertThat(e.errors())
        .extracting(TaskError::toString)
        .containsExactly(
            "base_model: must not be empty",
            "task_config.image_width: must be a multiple of 8, was 100",
            "task_config.steps: must be 1..100, was 0",
            "task_config.cfg: must be 0..20, was -1",
            "lora.weigth: unknown field; expected one of model, weight_file_name, weight");
  }

  @Test
  void stopsListingAfterTooManyErrors() {
    StringBuilder task = new StringBuilder("{'base_model': 'm', 'prompt': 'p', 'task_config': {}");
    for (int i = 0; i < 200; i++) {
      task.append(", 'x").append(i).append("': 0");
    }
    InvalidTaskException e =
        catchThrowableOfType(InvalidTaskException.class, () -> parse(json(task + "}")));
    assertThat(e.errors()).hasSize(FormatChecker.MAX_ERRORS + 1);
    assertThat(e.errors().getLast().message())
        .isEqualTo("the task has too many errors; only the first 50 shown");
  }

  @Test
  void refusesOversizedInputBeforeParsingIt() {
    byte[] huge = new byte[Tasks.MAX_BYTES + 1];
    Arrays.fill(huge, (byte) ' ');
    InvalidTaskException fromBytes =
        catchThrowableOfType(InvalidTaskException.class, () -> Tasks.parse(huge));
    assertThat(fromBytes.errors())
        .containsExactly(new TaskError("", "the task is larger than 8 MiB"));

    CountingStream endless = new CountingStream();
    InvalidTaskException fromStream =
        catchThrowableOfType(InvalidTaskException.class, () -> Tasks.parse(endless));
    assertThat(fromStream.errors())
        .extracting(TaskError::message)
        .containsExactly("the task is larger than 8 MiB");
    assertThat(endless.read).isEqualTo(Tasks.MAX_BYTES + 1);
  }

  @Test
  void acceptsATaskJustUnderTheSizeLimitWithALargeImage() throws Exception {
    String image = TestTasks.PNG_DATA_URL;
    String task = minimalWith("'controlnet': {'model': 'c', 'image_dataurl': '" + image + "'}");
    String padded = task + " ".repeat(Tasks.MAX_BYTES - task.length());
    assertThat(Tasks.parse(new ByteArrayInputStream(TestTasks.bytes(padded))).args().controlnet())
        .hasValueSatisfying(c -> assertThat(c.imageBytes()).startsWith(0x89, 'P', 'N', 'G'));
  }

  /** An input stream of spaces that never ends, counting what was read. */
  private static final class CountingStream extends java.io.InputStream {
    long read;

    @Override
    public int read() {
      read++;
      return ' ';
    }
  }
}
