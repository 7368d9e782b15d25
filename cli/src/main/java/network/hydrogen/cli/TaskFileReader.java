package network.hydrogen.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import network.hydrogen.task.InvalidTaskException;
import network.hydrogen.task.TaskError;
import network.hydrogen.task.Tasks;
import network.hydrogen.task.ValidTask;

/** Reads the task a {@code hydrogen task} subcommand was given: a file, or {@code -} for stdin. */
final class TaskFileReader {
  private TaskFileReader() {}

  static final String FILE_HELP = "The task JSON file, or - to read standard input.";

  /**
   * The valid task in {@code file}.
   *
   * @throws BadInputException when the file is missing or unreadable or the task is invalid; the
   *     message lists every error, one per line
   */
  static ValidTask read(String file) {
    try (InputStream in = open(file)) {
      return Tasks.parse(in);
    } catch (InvalidTaskException e) {
      StringBuilder message =
          new StringBuilder(name(file))
              .append(" is not a valid task (")
              .append(e.errors().size())
              .append(e.errors().size() == 1 ? " error):" : " errors):");
      for (TaskError error : e.errors()) {
        message.append(System.lineSeparator()).append(error);
      }
      throw new BadInputException(message.toString());
    } catch (NoSuchFileException e) {
      throw new BadInputException("no such file: " + file);
    } catch (IOException e) {
      throw new BadInputException("cannot read " + name(file) + ": " + e.getMessage());
    }
  }

  private static InputStream open(String file) throws IOException {
    if (file.equals("-")) {
      return System.in;
    }
    Path path = Path.of(file);
    if (Files.isDirectory(path)) {
      throw new IOException("it is a directory");
    }
    return Files.newInputStream(path);
  }

  private static String name(String file) {
    return file.equals("-") ? "standard input" : file;
  }
}
