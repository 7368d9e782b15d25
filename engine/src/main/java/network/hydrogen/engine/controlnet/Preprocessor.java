package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.util.OptionalInt;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.task.TaskArgs;

/**
 * A controlnet_aux annotator that turns a task's image into the control image. {@code canny} and
 * {@code shuffle} are computed in Java; the others run their annotator networks from ONNX files in
 * the models folder ({@link AnnotatorFiles}), with controlnet_aux's pre- and post-processing in
 * Java. Every annotator works at the image's own resolution (see {@link AnnotatorImages#pad64}).
 */
public sealed interface Preprocessor
    permits CannyDetector,
        ContentShuffle,
        LeresDetector,
        MidasDetector,
        NormalBaeDetector,
        ZoeDetector {

  /**
   * The control image made from {@code image}; annotator networks run with {@code options}.
   *
   * @throws IOException when an annotator model file cannot be read
   */
  ControlImage apply(ControlImage image, InferenceOptions options) throws IOException;

  /**
   * The preprocessor of a task's {@code controlnet.preprocess}, its annotator model files located
   * (random ones draw from {@code seed}).
   *
   * @throws network.hydrogen.engine.library.ModelNotFoundException naming the annotator model file
   *     the method needs when it is not in the models folder
   */
  static Preprocessor of(TaskArgs.Preprocess preprocess, long seed, AnnotatorFiles files)
      throws IOException {
    return switch (preprocess) {
      case TaskArgs.Preprocess.Canny canny -> canny(canny.lowThreshold(), canny.highThreshold());
      case TaskArgs.Preprocess.Shuffle shuffle ->
          shuffle(shuffle.h(), shuffle.w(), shuffle.f(), seed);
      case TaskArgs.Preprocess.DepthZoe zoe ->
          new ZoeDetector(files.locate(ZoeDetector.FILE), zoe.gammaCorrected());
      case TaskArgs.Preprocess.Leres leres
          when leres.method() == TaskArgs.PreprocessMethod.DEPTH_LERES ->
          new LeresDetector(files.locate(LeresDetector.FILE), leres.thrA(), leres.thrB());
      case TaskArgs.Preprocess.Leres leres
          when leres.method() == TaskArgs.PreprocessMethod.DEPTH_LERES_PLUS_PLUS ->
          new LeresDetector(
              files.locate(LeresDetector.FILE),
              files.locate(LeresDetector.MERGE_FILE),
              leres.thrA(),
              leres.thrB());
      case TaskArgs.Preprocess.Plain plain -> plain(plain.method(), files);
      default -> throw notRunHere(preprocess.method());
    };
  }

  /** The methods without arguments. */
  private static Preprocessor plain(TaskArgs.PreprocessMethod method, AnnotatorFiles files)
      throws IOException {
    return switch (method) {
      case DEPTH_MIDAS -> new MidasDetector(files.locate(MidasDetector.FILE));
      case NORMAL_BAE -> new NormalBaeDetector(files.locate(NormalBaeDetector.FILE));
      default -> throw notRunHere(method);
    };
  }

  private static IllegalArgumentException notRunHere(TaskArgs.PreprocessMethod method) {
    return new IllegalArgumentException(
        "controlnet.preprocess.method " + method.jsonName() + " does not run in this engine");
  }

  /** {@code canny} with these hysteresis thresholds (swapped when low is above high). */
  static Preprocessor canny(int lowThreshold, int highThreshold) {
    return new CannyDetector(lowThreshold, highThreshold);
  }

  /**
   * {@code shuffle} with the output size {@code h x w} (absent: the image's) and noise cell {@code
   * f} (absent: 256), its random fields drawn from {@code seed}.
   */
  static Preprocessor shuffle(OptionalInt h, OptionalInt w, OptionalInt f, long seed) {
    return new ContentShuffle(h.orElse(0), w.orElse(0), f.orElse(256), seed);
  }
}
