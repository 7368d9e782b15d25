package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a preprocessor finds its annotator networks' ONNX files: {@code annotators/} of the models
 * folder ({@link network.hydrogen.engine.library.ModelSource#annotator}).
 */
@FunctionalInterface
public interface AnnotatorFiles {

  /**
   * The path of the annotator model {@code fileName}.
   *
   * @throws network.hydrogen.engine.library.ModelNotFoundException naming the file when it is not
   *     there
   */
  Path locate(String fileName) throws IOException;
}
