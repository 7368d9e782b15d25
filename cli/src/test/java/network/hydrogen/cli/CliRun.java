package network.hydrogen.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** What one {@code hydrogen} command line printed and returned, run in-process. */
record CliRun(int exitCode, String out, String err) {

  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = Hydrogen.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  String lastLine() {
    String[] lines = out.strip().split("\\R");
    return lines[lines.length - 1];
  }
}
