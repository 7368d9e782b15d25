package network.hydrogen.engine.library;

import java.io.IOException;

/**
 * A model download that failed: the server refused it, the connection kept failing, or the file did
 * not match its published checksum. The message names the file, the URL (never a token), the HTTP
 * status where there was one, and what to do.
 */
public final class ModelDownloadException extends IOException {
  private static final long serialVersionUID = 1L;

  public ModelDownloadException(String message) {
    super(message);
  }

  public ModelDownloadException(String message, Throwable cause) {
    super(message, cause);
  }
}
