package network.hydrogen.chain;

import java.math.BigInteger;
import java.util.List;
import org.web3j.protocol.core.methods.response.Log;

/**
 * A mined, successful transaction: its hash, block, gas used, the created contract's address (for a
 * deployment, else null) and its logs.
 */
public record Receipt(
    String transactionHash,
    long blockNumber,
    BigInteger gasUsed,
    String contractAddress,
    List<Log> logs) {
  public Receipt {
    logs = List.copyOf(logs);
  }

  /** The contract events of this transaction, decoded, in log order. */
  public List<ContractEvent> events() {
    return logs.stream().flatMap(log -> EventCodec.decode(log).stream()).toList();
  }
}
