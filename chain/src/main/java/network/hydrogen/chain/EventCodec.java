package network.hydrogen.chain;

import java.math.BigInteger;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.EventValues;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.Contract;
import org.web3j.utils.Numeric;

/** The contracts' event signatures and their decoding into {@link ContractEvent} records. */
final class EventCodec {
  /** Parameters in declaration order: indexed ones first in {@code indexed}, then the others. */
  private record Values(List<Type> indexed, List<Type> data) {
    String address(boolean inIndexed, int i) {
      return ((Address) (inIndexed ? indexed : data).get(i)).getValue().toLowerCase(Locale.ROOT);
    }

    BigInteger uint(boolean inIndexed, int i) {
      return (BigInteger) (inIndexed ? indexed : data).get(i).getValue();
    }

    byte[] bytes(int i) {
      return (byte[]) data.get(i).getValue();
    }
  }

  private record Spec(Event event, Function<Values, ContractEvent> decoder) {}

  private static final Map<String, Spec> BY_TOPIC = new HashMap<>();

  static {
    TypeReference<Address> indexedAddress = new TypeReference<>(true) {};
    TypeReference<Uint256> indexedUint = new TypeReference<>(true) {};
    TypeReference<Address> address = new TypeReference<>() {};
    TypeReference<Uint256> uint = new TypeReference<>() {};
    TypeReference<Uint8> uint8 = new TypeReference<>() {};
    TypeReference<Uint64> uint64 = new TypeReference<>() {};
    TypeReference<Bytes32> bytes32 = new TypeReference<>() {};
    TypeReference<DynamicBytes> bytes = new TypeReference<>() {};
    TypeReference<Utf8String> string = new TypeReference<>() {};

    add(
        "Transfer",
        List.of(indexedAddress, indexedAddress, uint),
        v -> new ContractEvent.Transfer(v.address(true, 0), v.address(true, 1), v.uint(false, 0)));
    add(
        "Approval",
        List.of(indexedAddress, indexedAddress, uint),
        v -> new ContractEvent.Approval(v.address(true, 0), v.address(true, 1), v.uint(false, 0)));
    add(
        "NodeJoined",
        List.of(indexedAddress, string, uint64, uint),
        v ->
            new ContractEvent.NodeJoined(
                v.address(true, 0),
                (String) v.data().get(0).getValue(),
                v.uint(false, 1).longValueExact(),
                v.uint(false, 2)));
    add(
        "NodeStatusChanged",
        List.of(indexedAddress, uint8, uint8),
        v ->
            new ContractEvent.NodeStatusChanged(
                v.address(true, 0),
                NodeStatus.of(v.uint(false, 0).intValueExact()),
                NodeStatus.of(v.uint(false, 1).intValueExact())));
    add(
        "NodeQuit",
        List.of(indexedAddress, uint),
        v -> new ContractEvent.NodeQuit(v.address(true, 0), v.uint(false, 0)));
    add(
        "NodeSlashed",
        List.of(indexedAddress, uint),
        v -> new ContractEvent.NodeSlashed(v.address(true, 0), v.uint(false, 0)));
    add(
        "NodePenalised",
        List.of(indexedAddress, uint, uint),
        v ->
            new ContractEvent.NodePenalised(
                v.address(true, 0), v.uint(false, 0), v.uint(false, 1)));
    add(
        "StakeAmountChanged",
        List.of(uint),
        v -> new ContractEvent.StakeAmountChanged(v.uint(false, 0)));
    add(
        "TaskContractChanged",
        List.of(address),
        v -> new ContractEvent.TaskContractChanged(v.address(false, 0)));
    add(
        "TreasuryChanged",
        List.of(address),
        v -> new ContractEvent.TreasuryChanged(v.address(false, 0)));
    add(
        "TaskCreated",
        List.of(indexedUint, indexedAddress, indexedAddress, bytes32, bytes32, uint),
        v ->
            new ContractEvent.TaskCreated(
                v.uint(true, 0),
                v.address(true, 1),
                v.address(true, 2),
                Numeric.toHexString(v.bytes(0)),
                Numeric.toHexString(v.bytes(1)),
                v.uint(false, 2).intValueExact()));
    add(
        "TaskResultCommitted",
        List.of(indexedUint, indexedAddress),
        v -> new ContractEvent.TaskResultCommitted(v.uint(true, 0), v.address(true, 1)));
    add(
        "TaskResultCommitmentsReady",
        List.of(indexedUint),
        v -> new ContractEvent.TaskResultCommitmentsReady(v.uint(true, 0)));
    add(
        "TaskResultDisclosed",
        List.of(indexedUint, indexedAddress, bytes),
        v ->
            new ContractEvent.TaskResultDisclosed(
                v.uint(true, 0), v.address(true, 1), TaskResult.of(v.bytes(0))));
    add(
        "TaskSuccess",
        List.of(indexedUint, bytes, indexedAddress),
        v ->
            new ContractEvent.TaskSuccess(
                v.uint(true, 0), TaskResult.of(v.bytes(0)), v.address(true, 1)));
    add(
        "TaskAborted",
        List.of(indexedUint, uint8),
        v ->
            new ContractEvent.TaskAborted(
                v.uint(true, 0), AbortReason.values()[v.uint(false, 0).intValueExact()]));
    add(
        "TaskNodeSettled",
        List.of(indexedUint, indexedAddress, uint8, uint),
        v ->
            new ContractEvent.TaskNodeSettled(
                v.uint(true, 0),
                v.address(true, 1),
                Outcome.values()[v.uint(false, 0).intValueExact()],
                v.uint(false, 1)));
    add(
        "TaskResultUploaded",
        List.of(indexedUint, indexedAddress),
        v -> new ContractEvent.TaskResultUploaded(v.uint(true, 0), v.address(true, 1)));
    add(
        "FeeRefunded",
        List.of(indexedUint, indexedAddress, uint),
        v -> new ContractEvent.FeeRefunded(v.uint(true, 0), v.address(true, 1), v.uint(false, 0)));
    add(
        "ParametersChanged",
        List.of(uint, uint8, uint64, uint64, uint64, uint),
        v ->
            new ContractEvent.ParametersChanged(
                new TaskParameters(
                    v.uint(false, 0),
                    v.uint(false, 1).intValueExact(),
                    Duration.ofSeconds(v.uint(false, 2).longValueExact()),
                    Duration.ofSeconds(v.uint(false, 3).longValueExact()),
                    Duration.ofSeconds(v.uint(false, 4).longValueExact()),
                    v.uint(false, 5))));
  }

  private EventCodec() {}

  private static void add(
      String name, List<TypeReference<?>> parameters, Function<Values, ContractEvent> decoder) {
    Event event = new Event(name, parameters);
    BY_TOPIC.put(EventEncoder.encode(event), new Spec(event, decoder));
  }

  /** The event in a log, when it is one of the contracts' events. */
  static Optional<ContractEvent> decode(Log log) {
    if (log.getTopics() == null || log.getTopics().isEmpty()) {
      return Optional.empty();
    }
    Spec spec = BY_TOPIC.get(log.getTopics().get(0));
    if (spec == null) {
      return Optional.empty();
    }
    EventValues values = Contract.staticExtractEventParameters(spec.event(), log);
    if (values == null) {
      return Optional.empty();
    }
    return Optional.of(
        spec.decoder().apply(new Values(values.getIndexedValues(), values.getNonIndexedValues())));
  }
}
