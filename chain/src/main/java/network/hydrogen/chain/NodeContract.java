package network.hydrogen.chain;

import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * The Node contract: join with a stake and a GPU, pause, resume, quit; the owner sets the stake and
 * which Task contract may select, free and slash nodes.
 */
public final class NodeContract {
  private final Chain chain;
  private final String address;

  public NodeContract(Chain chain, String address) {
    this.chain = chain;
    this.address = address;
  }

  public String address() {
    return address;
  }

  /** Joins; the node must have approved {@link #stakeAmount()} CNX to this contract. */
  public Receipt join(TransactionSender node, String gpuName, long vramBytes) {
    return node.send(
        address,
        new Function("join", List.of(new Utf8String(gpuName), new Uint64(vramBytes)), List.of()));
  }

  public Receipt pause(TransactionSender node) {
    return node.send(address, new Function("pause", List.of(), List.of()));
  }

  public Receipt resume(TransactionSender node) {
    return node.send(address, new Function("resume", List.of(), List.of()));
  }

  public Receipt quit(TransactionSender node) {
    return node.send(address, new Function("quit", List.of(), List.of()));
  }

  public Receipt setStakeAmount(TransactionSender owner, BigInteger amount) {
    return owner.send(
        address, new Function("setStakeAmount", List.of(new Uint256(amount)), List.of()));
  }

  public Receipt setTaskContract(TransactionSender owner, String taskContract) {
    return owner.send(
        address, new Function("setTaskContract", List.of(new Address(taskContract)), List.of()));
  }

  public Receipt setTreasury(TransactionSender owner, String treasury) {
    return owner.send(
        address, new Function("setTreasury", List.of(new Address(treasury)), List.of()));
  }

  public BigInteger stakeAmount() {
    return (BigInteger) view("stakeAmount", List.of(), TokenContract.UINT).getValue();
  }

  public String treasury() {
    return (String) view("treasury", List.of(), new TypeReference<Address>() {}).getValue();
  }

  public long availableCount() {
    return ((BigInteger) view("availableCount", List.of(), TokenContract.UINT).getValue())
        .longValueExact();
  }

  public NodeStatus statusOf(String node) {
    return NodeStatus.of(
        ((BigInteger)
                view("statusOf", List.of(new Address(node)), new TypeReference<Uint8>() {})
                    .getValue())
            .intValueExact());
  }

  public NodeInfo infoOf(String node) {
    List<Type> out =
        chain.call(
            address,
            new Function(
                "infoOf",
                List.of(new Address(node)),
                List.of(
                    new TypeReference<Uint8>() {},
                    new TypeReference<Uint64>() {},
                    new TypeReference<Uint256>() {},
                    new TypeReference<Utf8String>() {})));
    return new NodeInfo(
        NodeStatus.of(((BigInteger) out.get(0).getValue()).intValueExact()),
        ((BigInteger) out.get(1).getValue()).longValueExact(),
        (BigInteger) out.get(2).getValue(),
        (String) out.get(3).getValue());
  }

  private Type view(String name, List<Type> args, TypeReference<?> output) {
    return chain.call(address, new Function(name, args, List.of(output))).get(0);
  }
}
