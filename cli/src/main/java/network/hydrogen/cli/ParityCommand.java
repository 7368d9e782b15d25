package network.hydrogen.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import network.hydrogen.engine.parity.CaseResult;
import network.hydrogen.engine.parity.MalformedReferenceException;
import network.hydrogen.engine.parity.ParityCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen dev parity}: compares the engine with the reference implementation's numbers. */
@Command(
    name = "parity",
    mixinStandardHelpOptions = true,
    description = {
      "Runs every case of a reference folder (golden/index.json) on its diffusers folder (model/)"
          + " and its single-file checkpoint (model.safetensors) and compares with the reference"
          + " implementation's tensors.",
      "Prints PASS|FAIL <format> <case> max_abs_err=<e> tolerance=<t> per case, then"
          + " '<N> passed, <M> failed'. Exit 0 when all pass, 1 when any fails, 2 when a reference"
          + " folder is malformed."
    })
final class ParityCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--reference",
      required = true,
      paramLabel = "DIR",
      description =
          "A reference folder, or a folder of reference folders (each is run). Repeatable.")
  List<Path> references;

  @Mixin InferenceMixin inference;

  @Override
  public Integer call() throws IOException {
    List<Path> folders = new ArrayList<>();
    try {
      for (Path reference : references) {
        folders.addAll(ParityCheck.referenceFolders(reference));
      }
      List<CaseResult> results = new ArrayList<>();
      for (Path folder : folders) {
        results.addAll(
            ParityCheck.run(
                folder,
                inference.options(),
                result -> spec.commandLine().getOut().println(result.line())));
      }
      long passed = results.stream().filter(CaseResult::passed).count();
      spec.commandLine()
          .getOut()
          .println(passed + " passed, " + (results.size() - passed) + " failed");
      return passed == results.size() ? 0 : Hydrogen.EXIT_FAILURE;
    } catch (MalformedReferenceException e) {
      throw new BadInputException(e.getMessage());
    }
  }
}
