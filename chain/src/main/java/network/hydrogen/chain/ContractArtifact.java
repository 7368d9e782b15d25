package network.hydrogen.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** A compiled contract (ABI and creation bytecode) as the contracts module's build wrote it. */
record ContractArtifact(String name, JsonNode abi, String bytecode) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ContractArtifact load(String name) {
    String resource = "/network/hydrogen/contracts/" + name + ".json";
    try (InputStream in = ContractArtifact.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "contract artifact "
                + resource
                + " is not on the classpath (build the contracts module)");
      }
      JsonNode node = JSON.readTree(in);
      return new ContractArtifact(name, node.get("abi"), node.get("bytecode").asText());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read contract artifact " + resource, e);
    }
  }
}
