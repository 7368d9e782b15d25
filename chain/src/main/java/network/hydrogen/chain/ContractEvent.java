package network.hydrogen.chain;

import java.math.BigInteger;

/**
 * Every event the Token, Node and Task contracts emit, decoded. Addresses and 32-byte hashes are
 * lower-case hex with 0x.
 */
public sealed interface ContractEvent {
  /** ERC20 transfer of CNX. */
  record Transfer(String from, String to, BigInteger value) implements ContractEvent {}

  /** ERC20 allowance set. */
  record Approval(String owner, String spender, BigInteger value) implements ContractEvent {}

  record NodeJoined(String node, String gpuName, long vram, BigInteger stake)
      implements ContractEvent {}

  record NodeStatusChanged(String node, NodeStatus from, NodeStatus to) implements ContractEvent {}

  record NodeQuit(String node, BigInteger stakeReturned) implements ContractEvent {}

  record NodeSlashed(String node, BigInteger amount) implements ContractEvent {}

  record NodePenalised(String node, BigInteger penalty, BigInteger stakeReturned)
      implements ContractEvent {}

  record StakeAmountChanged(BigInteger amount) implements ContractEvent {}

  record TaskContractChanged(String taskContract) implements ContractEvent {}

  record TreasuryChanged(String treasury) implements ContractEvent {}

  /** One per selected node; {@code round} is the node's index (0 to 2) in the task. */
  record TaskCreated(
      BigInteger taskId, String creator, String node, String taskHash, String dataHash, int round)
      implements ContractEvent {}

  record TaskResultCommitted(BigInteger taskId, String node) implements ContractEvent {}

  record TaskResultCommitmentsReady(BigInteger taskId) implements ContractEvent {}

  record TaskResultDisclosed(BigInteger taskId, String node, TaskResult result)
      implements ContractEvent {}

  record TaskSuccess(BigInteger taskId, TaskResult result, String resultNode)
      implements ContractEvent {}

  record TaskAborted(BigInteger taskId, AbortReason reason) implements ContractEvent {}

  record TaskNodeSettled(BigInteger taskId, String node, Outcome outcome, BigInteger amount)
      implements ContractEvent {}

  record TaskResultUploaded(BigInteger taskId, String resultNode) implements ContractEvent {}

  record FeeRefunded(BigInteger taskId, String creator, BigInteger amount)
      implements ContractEvent {}

  record ParametersChanged(TaskParameters parameters) implements ContractEvent {}
}
