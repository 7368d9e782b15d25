package network.hydrogen.chain;

import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;

/**
 * Deploys Token, Node and Task from the compiled artifacts, and links them (the Node contract
 * accepts the Task contract). The deployer becomes owner and holds the whole CNX supply.
 */
public final class Deployer {
  /** The receipts of each deployment step, for gas figures. */
  public record Result(Deployment deployment, List<Receipt> receipts) {}

  private Deployer() {}

  public static Result deploy(
      Chain chain, TransactionSender owner, String rpcUrl, BigInteger supply) {
    long startBlock = chain.blockNumber();
    Receipt token =
        owner.deploy(
            withConstructor("Token", new Uint256(supply), new Address(owner.address())), "Token");
    Receipt node =
        owner.deploy(withConstructor("Node", new Address(token.contractAddress())), "Node");
    Receipt task =
        owner.deploy(
            withConstructor(
                "Task", new Address(token.contractAddress()), new Address(node.contractAddress())),
            "Task");
    Receipt link =
        new NodeContract(chain, node.contractAddress())
            .setTaskContract(owner, task.contractAddress());
    Deployment deployment =
        new Deployment(
            rpcUrl,
            chain.chainId(),
            token.contractAddress(),
            node.contractAddress(),
            task.contractAddress(),
            owner.address(),
            startBlock + 1,
            List.of());
    return new Result(deployment, List.of(token, node, task, link));
  }

  @SuppressWarnings("rawtypes")
  private static String withConstructor(String contract, Type... args) {
    return ContractArtifact.load(contract).bytecode()
        + FunctionEncoder.encodeConstructor(List.of(args));
  }
}
