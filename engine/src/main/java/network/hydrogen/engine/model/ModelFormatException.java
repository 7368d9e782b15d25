package network.hydrogen.engine.model;

import java.nio.file.Path;

/**
 * A model file that is wrong, truncated or does not match its config; the message names the file.
 */
public final class ModelFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelFormatException(Path file, String problem) {
    super(file + " " + problem);
  }

  public ModelFormatException(String message) {
    super(message);
  }
}
