package network.hydrogen.engine.library;

/**
 * Told how a model file's download goes, for a progress bar (the CLI's, the node's WebUI). Called
 * on the downloading thread, at most every few hundred KiB and once when the file is complete.
 */
@FunctionalInterface
public interface DownloadListener {

  /** Does nothing. */
  DownloadListener NONE = (file, done, total) -> {};

  /**
   * @param file the file, as the model name and its path in the repo or its file name
   * @param done bytes on disk so far (a resumed download starts at what it had)
   * @param total the file's size, or -1 when the server does not say
   */
  void progress(String file, long done, long total);
}
