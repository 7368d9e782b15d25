package network.hydrogen.task;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * Reads task JSON: checks it against the task format, fills in defaults, and gives the canonical
 * form and hash that the network agrees on. Thread-safe.
 *
 * <pre>{@code
 * ValidTask task = Tasks.parse(bytes);   // throws InvalidTaskException listing every error
 * task.args().taskConfig().steps();
 * task.hash();                           // 0x + keccak256 of the canonical JSON
 * }</pre>
 */
public final class Tasks {
  private Tasks() {}

  /** The largest task accepted, in bytes: room for a few reference images as data URLs. */
  public static final int MAX_BYTES = 8 * 1024 * 1024;

  /** The deepest nesting of JSON objects and arrays accepted; real tasks need 4. */
  public static final int MAX_DEPTH = 16;

  /** The task format versions accepted. */
  public static final List<String> VERSIONS = TaskFormat.VERSIONS;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** Checks task JSON and returns the task with its canonical form. */
  public static ValidTask parse(byte[] json) throws InvalidTaskException {
    if (json.length > MAX_BYTES) {
      throw invalid("is larger than " + MAX_BYTES / (1024 * 1024) + " MiB");
    }
    JsonNode tree = readTree(json);
    List<TaskError> errors = new ArrayList<>();
    JsonNode canonical = FormatChecker.check(TaskFormat.TASK, tree, errors);
    if (canonical == null) {
      throw new InvalidTaskException(errors);
    }
    return new ValidTask(TaskBinder.bind(canonical), CanonicalJson.write(canonical));
  }

  /**
   * Reads task JSON from a stream (to its end, at most {@link #MAX_BYTES} of it: a longer input is
   * refused without reading the rest) and checks it.
   */
  public static ValidTask parse(InputStream in) throws IOException, InvalidTaskException {
    byte[] json = in.readNBytes(MAX_BYTES + 1);
    return parse(json);
  }

  /** {@code 0x} and the lowercase hex Keccak-256 (Ethereum's, not SHA3-256) of the bytes. */
  public static String keccak256(byte[] data) {
    KeccakDigest digest = new KeccakDigest(256);
    digest.update(data, 0, data.length);
    byte[] hash = new byte[32];
    digest.doFinal(hash, 0);
    return "0x" + HexFormat.of().formatHex(hash);
  }

  private static JsonNode readTree(byte[] json) throws InvalidTaskException {
    try {
      JsonNode tree = MAPPER.readTree(json);
      if (tree == null || tree.isMissingNode()) {
        throw invalid("is empty; expected a JSON object");
      }
      return tree;
    } catch (StreamConstraintsException e) {
      throw invalid(
          e.getOriginalMessage().contains("nesting")
              ? "nests objects or arrays deeper than " + MAX_DEPTH + " levels"
              : "exceeds a parser limit: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new InvalidTaskException(List.of(jsonError(e)));
    } catch (IOException e) {
      throw new IllegalStateException("reading from memory failed", e);
    }
  }

  private static TaskError jsonError(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (e.getProcessor() instanceof JsonParser parser && message.startsWith("Duplicate field")) {
      String pointer = parser.getParsingContext().pathAsPointer().toString();
      return new TaskError(
          pointer.substring(1).replace('/', '.'), "appears twice; each field may be given once");
    }
    if (message.startsWith("Trailing token")) {
      return new TaskError("", "the task has more JSON after its end");
    }
    JsonLocation at = e.getLocation();
    String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return new TaskError(
        "",
        "the task is not valid JSON"
            + where
            + ": "
            + message.replaceAll(
                "\\[Source: [^;]*; line: (\\d+), column: (\\d+)\\]", "line $1, column $2"));
  }

  private static InvalidTaskException invalid(String message) {
    return new InvalidTaskException(List.of(new TaskError("", "the task " + message)));
  }
}
