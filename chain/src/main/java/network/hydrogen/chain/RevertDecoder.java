package network.hydrogen.chain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Turns revert data into words: Error(string), Panic(uint256) and every custom error declared in
 * the project's contracts, by selector, with its arguments.
 */
final class RevertDecoder {
  private record CustomError(String name, List<String> types) {}

  private static final Map<String, CustomError> ERRORS = loadErrors();

  private RevertDecoder() {}

  /** Describes revert data such as {@code 0x08c379a0...}; null when it is not revert data. */
  static String describe(String data) {
    if (data == null || !data.startsWith("0x") || data.length() < 10) {
      return null;
    }
    String selector = data.substring(0, 10);
    String args = data.substring(10);
    CustomError error = ERRORS.get(selector);
    if (error == null) {
      return "reverted with unknown error data " + data;
    }
    try {
      List<TypeReference<Type>> refs = new ArrayList<>();
      for (String type : error.types()) {
        @SuppressWarnings("unchecked")
        TypeReference<Type> ref = (TypeReference<Type>) TypeReference.makeTypeReference(type);
        refs.add(ref);
      }
      List<String> values = new ArrayList<>();
      for (Type value : FunctionReturnDecoder.decode("0x" + args, refs)) {
        Object v = value.getValue();
        values.add(v instanceof byte[] bytes ? Numeric.toHexString(bytes) : String.valueOf(v));
      }
      return error.name() + "(" + String.join(", ", values) + ")";
    } catch (ClassNotFoundException | RuntimeException e) {
      return error.name() + " (arguments " + args + ")";
    }
  }

  private static Map<String, CustomError> loadErrors() {
    Map<String, CustomError> errors = new HashMap<>();
    errors.put(selector("Error(string)"), new CustomError("Error", List.of("string")));
    errors.put(selector("Panic(uint256)"), new CustomError("Panic", List.of("uint256")));
    for (String contract : List.of("Token", "Node", "Task")) {
      for (JsonNode entry : ContractArtifact.load(contract).abi()) {
        if (!"error".equals(entry.path("type").asText())) {
          continue;
        }
        List<String> types = new ArrayList<>();
        for (JsonNode input : entry.path("inputs")) {
          types.add(input.path("type").asText());
        }
        String name = entry.path("name").asText();
        errors.put(
            selector(name + "(" + String.join(",", types) + ")"), new CustomError(name, types));
      }
    }
    return Map.copyOf(errors);
  }

  private static String selector(String signature) {
    return Hash.sha3String(signature).substring(0, 10);
  }
}
