package network.hydrogen.chain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the contracts live on one chain, written by {@code hydrogen chain dev} / {@code deploy} and
 * read by the other commands. {@code accounts} lists funded development accounts (their keys are
 * the public Hardhat test keys, worthless outside a dev chain); empty for a real deployment.
 */
public record Deployment(
    String rpcUrl,
    long chainId,
    String token,
    String node,
    String task,
    String owner,
    long deployedAtBlock,
    List<DevAccount> accounts) {
  /** A funded development account. */
  public record DevAccount(String address, String privateKey) {
    @Override
    public String toString() {
      return "DevAccount[" + address + "]";
    }
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public Deployment {
    accounts = List.copyOf(accounts);
  }

  public void write(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, "deployment", ".tmp");
    JSON.writeValue(tmp.toFile(), this);
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  public static Deployment read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(
          "no deployment file at " + file + " (run hydrogen chain dev or deploy)");
    }
    return JSON.readValue(file.toFile(), Deployment.class);
  }

  public TokenContract token(Chain chain) {
    return new TokenContract(chain, token);
  }

  public NodeContract node(Chain chain) {
    return new NodeContract(chain, node);
  }

  public TaskContract task(Chain chain) {
    return new TaskContract(chain, task);
  }
}
