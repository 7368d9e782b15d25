package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.task.TaskArgs;

/**
 * A controlnet_aux annotator that turns a task's image into the control image. {@code canny} and
 * {@code shuffle} are computed in Java; the others run their annotator networks from ONNX files in
 * the models folder ({@link AnnotatorFiles}), with controlnet_aux's pre- and post-processing in
 * Java. Every annotator works at the image's own resolution (see {@link
 * AnnotatorImages#atOwnResolution}).
 */
public sealed interface Preprocessor
    permits CannyDetector,
        ContentShuffle,
        DwposeDetector,
        HedDetector,
        LeresDetector,
        LineartAnimeDetector,
        LineartDetector,
        MediapipeFaceDetector,
        MidasDetector,
        MlsdDetector,
        NormalBaeDetector,
        OpenposeDetector,
        PidiNetDetector,
        ZoeDetector {

  /**
   * The control image made from {@code image}; annotator networks run with {@code options}.
   *
   * @throws IOException when an annotator model file cannot be read
   */
  ControlImage apply(ControlImage image, InferenceOptions options) throws IOException;

  /**
   * Refuses, before any inference, an image this annotator cannot work on (e.g. {@code
   * depth_leres++} on a very small one); nothing for most.
   *
   * @throws IllegalArgumentException saying what the image lacks
   */
  default void requireFits(ControlImage image) {}

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
      case TaskArgs.Preprocess.Mlsd mlsd ->
          new MlsdDetector(mlsd.thrV(), mlsd.thrD(), files.locate(MlsdDetector.FILE));
      case TaskArgs.Preprocess.MediapipeFace face ->
          new MediapipeFaceDetector(
              face.maxFaces(),
              face.minConfidence(),
              files.locate(MediapipeFaceDetector.DETECTOR_FILE),
              files.locate(MediapipeFaceDetector.LANDMARK_FILE));
      case TaskArgs.Preprocess.PidiNet pidiNet -> pidiNet(pidiNet, files);
      case TaskArgs.Preprocess.DepthZoe zoe ->
          new ZoeDetector(files.locate(ZoeDetector.FILE), zoe.gammaCorrected());
      case TaskArgs.Preprocess.Leres leres -> leres(leres, files);
      case TaskArgs.Preprocess.Plain plain -> plain(plain.method(), files);
    };
  }

  /** The methods without arguments. */
  private static Preprocessor plain(TaskArgs.PreprocessMethod method, AnnotatorFiles files)
      throws IOException {
    return switch (method) {
      case SOFTEDGE_HED -> hed(files, false, false);
      case SCRIBBLE_HED -> hed(files, true, false);
      case SOFTEDGE_HEDSAFE -> hed(files, false, true);
      case SCRIBBLE_HEDSAFE -> hed(files, true, true);
      case LINEART_REALISTIC -> new LineartDetector(files.locate(LineartDetector.REALISTIC));
      case LINEART_COARSE -> new LineartDetector(files.locate(LineartDetector.COARSE));
      case LINEART_ANIME -> new LineartAnimeDetector(files.locate(LineartAnimeDetector.FILE));
      case OPENPOSE, OPENPOSE_FACE, OPENPOSE_FACEONLY, OPENPOSE_FULL, OPENPOSE_HAND ->
          OpenposeDetector.of(method, files);
      case DWPOSE -> DwposeDetector.of(files);
      case DEPTH_MIDAS -> new MidasDetector(files.locate(MidasDetector.FILE));
      case NORMAL_BAE -> new NormalBaeDetector(files.locate(NormalBaeDetector.FILE));
      default -> throw new IllegalStateException(method.jsonName() + " takes arguments");
    };
  }

  private static Preprocessor hed(AnnotatorFiles files, boolean scribble, boolean safe)
      throws IOException {
    return new HedDetector(files.locate(HedDetector.FILE), scribble, safe);
  }

  /** The PiDiNet methods: scribble or soft edges, safe or not, and the task's apply_filter. */
  private static Preprocessor pidiNet(TaskArgs.Preprocess.PidiNet pidiNet, AnnotatorFiles files)
      throws IOException {
    TaskArgs.PreprocessMethod method = pidiNet.method();
    return new PidiNetDetector(
        files.locate(PidiNetDetector.FILE),
        method == TaskArgs.PreprocessMethod.SCRIBBLE_PIDINET
            || method == TaskArgs.PreprocessMethod.SCRIBBLE_PIDISAFE,
        method == TaskArgs.PreprocessMethod.SOFTEDGE_PIDISAFE
            || method == TaskArgs.PreprocessMethod.SCRIBBLE_PIDISAFE,
        pidiNet.applyFilter());
  }

  /** {@code depth_leres}, or {@code depth_leres++} with the merge network as well. */
  private static Preprocessor leres(TaskArgs.Preprocess.Leres leres, AnnotatorFiles files)
      throws IOException {
    Path network = files.locate(LeresDetector.FILE);
    return leres.method() == TaskArgs.PreprocessMethod.DEPTH_LERES_PLUS_PLUS
        ? new LeresDetector(
            network, files.locate(LeresDetector.MERGE_FILE), leres.thrA(), leres.thrB())
        : new LeresDetector(network, leres.thrA(), leres.thrB());
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
