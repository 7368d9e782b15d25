package network.hydrogen.chain;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.StaticArray3;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * The Task contract: create a task (three random nodes), commit, disclose, report the upload, time
 * out a stalled stage; read a task's state and the owner-set parameters.
 */
public final class TaskContract {
  /** A created task: its id and the three selected nodes, in round order. */
  public record CreatedTask(BigInteger taskId, List<String> nodes, Receipt receipt) {}

  private final Chain chain;
  private final String address;

  /**
   * The gas a disclosure is always given: one estimated as the first of three (about 85k gas) may
   * be mined after another node's and settle the task instead, paying and freeing the nodes (about
   * 182k gas), and would run out of gas with the estimate's margin.
   */
  static final BigInteger DISCLOSE_GAS_FLOOR = BigInteger.valueOf(300_000);

  public TaskContract(Chain chain, String address) {
    this.chain = chain;
    this.address = address;
  }

  public String address() {
    return address;
  }

  /** The commitment a node submits: keccak256(result ‖ nonce). */
  public static byte[] commitment(TaskResult result, byte[] nonce) {
    byte[] r = result.bytes();
    byte[] packed = new byte[r.length + nonce.length];
    System.arraycopy(r, 0, packed, 0, r.length);
    System.arraycopy(nonce, 0, packed, r.length, nonce.length);
    return Hash.sha3(packed);
  }

  /**
   * Creates a task; the creator must have approved 3 × the fee per node to this contract. Fails
   * with NotEnoughNodes when fewer than three available nodes have {@code vramBytes}.
   */
  public CreatedTask createTask(
      TransactionSender creator, byte[] taskHash, byte[] dataHash, long vramBytes) {
    Receipt receipt =
        creator.send(
            address,
            new Function(
                "createTask",
                List.of(new Bytes32(taskHash), new Bytes32(dataHash), new Uint64(vramBytes)),
                List.of()));
    BigInteger taskId = null;
    String[] nodes = new String[3];
    for (ContractEvent e : receipt.events()) {
      if (e instanceof ContractEvent.TaskCreated created) {
        taskId = created.taskId();
        nodes[created.round()] = created.node();
      }
    }
    if (taskId == null) {
      throw new ChainException("createTask emitted no TaskCreated event");
    }
    return new CreatedTask(taskId, List.of(nodes), receipt);
  }

  public Receipt commit(TransactionSender node, BigInteger taskId, byte[] commitment) {
    return node.send(
        address,
        new Function("commit", List.of(new Uint256(taskId), new Bytes32(commitment)), List.of()));
  }

  public Receipt disclose(
      TransactionSender node, BigInteger taskId, TaskResult result, byte[] nonce) {
    return node.send(
        address,
        new Function(
            "disclose",
            List.of(new Uint256(taskId), new DynamicBytes(result.bytes()), new Bytes32(nonce)),
            List.of()),
        DISCLOSE_GAS_FLOOR);
  }

  public Receipt reportUploaded(TransactionSender resultNode, BigInteger taskId) {
    return resultNode.send(
        address, new Function("reportUploaded", List.of(new Uint256(taskId)), List.of()));
  }

  /** Ends a stage whose deadline passed: silent nodes are penalised, fees refunded. */
  public Receipt timeout(TransactionSender anyone, BigInteger taskId) {
    return anyone.send(address, new Function("timeout", List.of(new Uint256(taskId)), List.of()));
  }

  public Receipt setParameters(TransactionSender owner, TaskParameters p) {
    return owner.send(
        address,
        new Function(
            "setParameters",
            List.of(
                new Uint256(p.feePerNode()),
                new Uint8(p.distanceThreshold()),
                new Uint64(p.commitTimeout().toSeconds()),
                new Uint64(p.discloseTimeout().toSeconds()),
                new Uint64(p.uploadTimeout().toSeconds()),
                new Uint256(p.timeoutPenalty())),
            List.of()));
  }

  public TaskParameters parameters() {
    return new TaskParameters(
        uint("feePerNode"),
        uint("distanceThreshold").intValueExact(),
        Duration.ofSeconds(uint("commitTimeout").longValueExact()),
        Duration.ofSeconds(uint("discloseTimeout").longValueExact()),
        Duration.ofSeconds(uint("uploadTimeout").longValueExact()),
        uint("timeoutPenalty"));
  }

  public BigInteger taskCount() {
    return uint("taskCount");
  }

  public TaskState state(BigInteger taskId) {
    List<Type> out =
        chain.call(
            address,
            new Function(
                "taskState",
                List.of(new Uint256(taskId)),
                List.of(
                    new TypeReference<Address>() {},
                    new TypeReference<Uint8>() {},
                    new TypeReference<Uint8>() {},
                    new TypeReference<Bool>() {},
                    new TypeReference<Uint64>() {},
                    new TypeReference<Uint256>() {},
                    new TypeReference<StaticArray3<Address>>() {},
                    new TypeReference<StaticArray3<Uint8>>() {})));
    @SuppressWarnings("unchecked")
    List<Address> nodes = ((StaticArray3<Address>) out.get(6)).getValue();
    @SuppressWarnings("unchecked")
    List<Uint8> parts = ((StaticArray3<Uint8>) out.get(7)).getValue();
    return new TaskState(
        ((Address) out.get(0)).getValue().toLowerCase(Locale.ROOT),
        TaskStatus.values()[((BigInteger) out.get(1).getValue()).intValueExact()],
        ((BigInteger) out.get(2).getValue()).intValueExact(),
        (Boolean) out.get(3).getValue(),
        Instant.ofEpochSecond(((BigInteger) out.get(4).getValue()).longValueExact()),
        (BigInteger) out.get(5).getValue(),
        nodes.stream().map(a -> a.getValue().toLowerCase(Locale.ROOT)).toList(),
        parts.stream().map(p -> NodePart.values()[p.getValue().intValueExact()]).toList());
  }

  /**
   * The TaskCreated events of a task (one per selected node, in round order), read from the chain's
   * logs: the only place the task hash and data hash are recorded. Empty for an unknown task.
   */
  public List<ContractEvent.TaskCreated> created(BigInteger taskId) {
    EthFilter filter =
        new EthFilter(
            DefaultBlockParameterName.EARLIEST, DefaultBlockParameterName.LATEST, address);
    filter.addSingleTopic(
        Hash.sha3String("TaskCreated(uint256,address,address,bytes32,bytes32,uint256)"));
    filter.addSingleTopic(Numeric.toHexStringWithPrefixZeroPadded(taskId, 64));
    EthLog result = chain.rpc(chain.web3j().ethGetLogs(filter), "eth_getLogs");
    return result.getLogs().stream()
        .map(r -> EventCodec.decode((Log) r.get()))
        .flatMap(Optional::stream)
        .filter(ContractEvent.TaskCreated.class::isInstance)
        .map(ContractEvent.TaskCreated.class::cast)
        .sorted(java.util.Comparator.comparingInt(ContractEvent.TaskCreated::round))
        .toList();
  }

  /** What the i-th selected node (0 to 2) disclosed, or empty before it did. */
  public Optional<TaskResult> resultOf(BigInteger taskId, int i) {
    byte[] bytes =
        (byte[])
            chain
                .call(
                    address,
                    new Function(
                        "resultOf",
                        List.of(new Uint256(taskId), new Uint256(i)),
                        List.of(new TypeReference<DynamicBytes>() {})))
                .get(0)
                .getValue();
    return bytes.length == 0 ? Optional.empty() : Optional.of(TaskResult.of(bytes));
  }

  /** The contract's own comparison of two results (per image, within the threshold). */
  public boolean agree(TaskResult a, TaskResult b) {
    return (Boolean)
        chain
            .call(
                address,
                new Function(
                    "agree",
                    List.of(new DynamicBytes(a.bytes()), new DynamicBytes(b.bytes())),
                    List.of(new TypeReference<Bool>() {})))
            .get(0)
            .getValue();
  }

  private BigInteger uint(String name) {
    return (BigInteger)
        chain
            .call(address, new Function(name, List.of(), List.of(TokenContract.UINT)))
            .get(0)
            .getValue();
  }
}
