package network.hydrogen.engine.library;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A local models folder, where tasks' models are looked up by the name a task gives them: a Hugging
 * Face repo id ({@code runwayml/stable-diffusion-v1-5}) or a download URL.
 *
 * <p>A repo id {@code org/name} is found as the diffusers folder {@code org/name}, then {@code
 * org--name} (the Hugging Face cache's spelling), then as a single file {@code
 * org/name.safetensors}; a URL as the file or folder named by its last path segment.
 */
public record ModelLibrary(Path root) implements ModelSource {

  /** The paths where {@code name} may lie, in the order they are tried. */
  public List<Path> candidates(String name) {
    List<Path> candidates = new ArrayList<>();
    if (name.startsWith("http://") || name.startsWith("https://")) {
      String path = URI.create(name).getPath();
      String last = path.substring(path.lastIndexOf('/') + 1);
      if (!last.isEmpty()) {
        candidates.add(root.resolve(last));
        candidates.add(root.resolve(last + ".safetensors"));
      }
      return candidates;
    }
    if (name.contains("..") || name.startsWith("/") || name.contains("\\")) {
      return candidates;
    }
    candidates.add(root.resolve(name));
    candidates.add(root.resolve(name.replace("/", "--")));
    candidates.add(root.resolve(name + ".safetensors"));
    return candidates;
  }

  /** Where {@code name} lies, if it is in the library. */
  public Optional<Path> find(String name) {
    return candidates(name).stream().filter(Files::exists).findFirst();
  }

  /** Where {@code name} lies; the variant and file name play no part in a local folder. */
  @Override
  public Path locate(ModelKind kind, String name, Optional<String> variant, String fileName) {
    return find(name).orElseThrow(() -> new ModelNotFoundException(notHere(kind, name)));
  }

  @Override
  public Path annotator(String fileName) {
    Path file = root.resolve(ANNOTATORS).resolve(fileName);
    if (!Files.isRegularFile(file)) {
      throw new ModelNotFoundException(
          "the annotator model "
              + ANNOTATORS
              + "/"
              + fileName
              + " is not in the models folder "
              + root
              + " (looked for "
              + file
              + "); tools/annotators/ exports it from lllyasviel/Annotators' checkpoint");
    }
    return file;
  }

  /** Says that {@code name} is not in this folder and where it was looked for. */
  String notHere(ModelKind kind, String name) {
    return kind.label()
        + " "
        + Urls.shown(name)
        + " is not in the models folder "
        + root
        + " (looked for "
        + candidates(name)
        + ")";
  }
}
