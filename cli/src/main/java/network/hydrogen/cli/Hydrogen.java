package network.hydrogen.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

/**
 * The {@code hydrogen} executable: one entry point whose subcommands run every part of the network.
 *
 * <p>Exit codes: 0 on success, 2 on bad input (a usage error or an invalid file), 1 on any other
 * failure. Errors are printed to stderr, one clear line each.
 */
@Command(
    name = "hydrogen",
    mixinStandardHelpOptions = true,
    versionProvider = Hydrogen.Version.class,
    description = "Hydrogen: a decentralized Stable Diffusion task execution network.",
    subcommands = {
      TaskCommand.class,
      GenerateCommand.class,
      BenchCommand.class,
      DevCommand.class,
      ChainCommand.class,
      RelayCommand.class,
      NodeCommand.class,
      DevnetCommand.class,
      BridgeCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Hydrogen extends CommandGroup {

  /** Exit code for bad input: a usage error or an invalid file. */
  public static final int EXIT_BAD_INPUT = 2;

  /** Exit code for any other failure. */
  public static final int EXIT_FAILURE = 1;

  @Option(
      names = {"-v", "--verbose"},
      description =
          "Log Hydrogen's debug messages and the libraries' informational ones to stderr (the"
              + " libraries' debug output would show request headers, API keys included).",
      scope = CommandLine.ScopeType.INHERIT)
  void verbose(boolean verbose) {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(verbose ? Level.INFO : Level.WARN);
    Logger own = (Logger) LoggerFactory.getLogger("network.hydrogen");
    own.setLevel(verbose ? Level.DEBUG : null);
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int exitCode = run(args, out, err);
    out.flush();
    err.flush();
    System.exit(exitCode);
  }

  /** Runs the command line and returns its exit code; the tests call this. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(new Hydrogen());
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler(
        (exception, arguments) -> {
          CommandLine failed = exception.getCommandLine();
          failed.getErr().println("hydrogen: " + exception.getMessage());
          failed
              .getErr()
              .println("Run '" + failed.getCommandSpec().qualifiedName() + " --help' for usage.");
          return EXIT_BAD_INPUT;
        });
    commandLine.setExecutionExceptionHandler(
        (exception, failed, parseResult) -> {
          if (exception instanceof BadInputException) {
            failed.getErr().println("hydrogen: " + exception.getMessage());
            return EXIT_BAD_INPUT;
          }
          LoggerFactory.getLogger(Hydrogen.class).debug("Command failed", exception);
          failed.getErr().println("hydrogen: " + oneLine(exception));
          return EXIT_FAILURE;
        });
    return commandLine.execute(args);
  }

  private static String oneLine(Throwable exception) {
    String message = exception.getMessage();
    if (message == null || message.isBlank()) {
      message = exception.getClass().getSimpleName();
    }
    return message.replaceAll("\\s*\\R\\s*", " ");
  }

  /** Reads the version that the build wrote into the jar. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties properties = new Properties();
      try (InputStream in = Hydrogen.class.getResourceAsStream("/hydrogen-version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new String[] {"hydrogen " + properties.getProperty("version", "unknown")};
    }
  }
}
