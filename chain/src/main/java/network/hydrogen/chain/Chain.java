package network.hydrogen.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.http.HttpService;

/**
 * A connection to one EVM chain over JSON-RPC: read-only calls, balances, and one {@link
 * TransactionSender} per wallet (so concurrent senders from one wallet share its nonces).
 */
public final class Chain implements AutoCloseable {
  /** How transactions wait for their receipts. */
  public record Options(Duration receiptTimeout, Duration pollInterval, int sendRetries) {
    public static final Options DEFAULT =
        new Options(Duration.ofMinutes(2), Duration.ofMillis(200), 3);

    public Options {
      if (receiptTimeout.isNegative() || receiptTimeout.isZero()) {
        throw new IllegalArgumentException("receipt timeout must be positive: " + receiptTimeout);
      }
      if (pollInterval.isNegative() || pollInterval.isZero()) {
        throw new IllegalArgumentException("poll interval must be positive: " + pollInterval);
      }
      if (sendRetries < 0) {
        throw new IllegalArgumentException("send retries must be >= 0: " + sendRetries);
      }
    }
  }

  private final HttpService service;
  private final Web3j web3j;
  private final long chainId;
  private final Options options;
  private final Map<String, TransactionSender> senders = new ConcurrentHashMap<>();

  private Chain(HttpService service, Web3j web3j, long chainId, Options options) {
    this.service = service;
    this.web3j = web3j;
    this.chainId = chainId;
    this.options = options;
  }

  /** Connects and reads the chain id; fails with a clear message when nothing answers. */
  public static Chain connect(String rpcUrl, Options options) {
    HttpService service = new HttpService(rpcUrl);
    Web3j web3j = Web3j.build(service);
    try {
      long chainId = web3j.ethChainId().send().getChainId().longValueExact();
      return new Chain(service, web3j, chainId, options);
    } catch (IOException | RuntimeException e) {
      web3j.shutdown();
      throw new ChainException("no EVM JSON-RPC endpoint answers at " + rpcUrl + ": " + e, e);
    }
  }

  public static Chain connect(String rpcUrl) {
    return connect(rpcUrl, Options.DEFAULT);
  }

  public long chainId() {
    return chainId;
  }

  public Options options() {
    return options;
  }

  Web3j web3j() {
    return web3j;
  }

  /** The sender for this wallet; the same object for every call with the same address. */
  public TransactionSender sender(Credentials credentials) {
    return senders.computeIfAbsent(
        credentials.getAddress().toLowerCase(java.util.Locale.ROOT),
        a -> new TransactionSender(this, credentials));
  }

  public long blockNumber() {
    return rpc(web3j.ethBlockNumber(), "eth_blockNumber").getBlockNumber().longValueExact();
  }

  /**
   * The chain's clock: the timestamp of its latest block (a development chain that mines a block
   * per transaction runs ahead of the wall clock, one second per block).
   */
  public java.time.Instant latestBlockTime() {
    var block =
        rpc(
                web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false),
                "eth_getBlockByNumber")
            .getBlock();
    return java.time.Instant.ofEpochSecond(block.getTimestamp().longValueExact());
  }

  /** The ether balance of an address, in wei. */
  public BigInteger etherBalance(String address) {
    return rpc(web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST), "eth_getBalance")
        .getBalance();
  }

  /** Runs a view function and decodes its outputs; a revert becomes a ChainException. */
  List<Type> call(String contract, Function function) {
    Transaction tx =
        Transaction.createEthCallTransaction(null, contract, FunctionEncoder.encode(function));
    EthCall result = rpc(web3j.ethCall(tx, DefaultBlockParameterName.LATEST), function.getName());
    if (result.isReverted()) {
      throw new ChainException(function.getName() + " reverted: " + result.getRevertReason());
    }
    return FunctionReturnDecoder.decode(result.getValue(), function.getOutputParameters());
  }

  /**
   * Moves the chain's clock forward and mines a block: only for development chains (Hardhat), to
   * reach timeouts in tests and demos.
   */
  public void increaseTime(Duration by) {
    devRpc("evm_increaseTime", by.toSeconds());
    devRpc("evm_mine");
  }

  /** Calls a development-chain method (Hardhat's evm_* family) that web3j has no type for. */
  void devRpc(String method, Object... params) {
    rpc(new Request<>(method, List.of(params), service, Response.class), method);
  }

  /** Sends a request, turning transport and RPC errors into ChainException. */
  <T extends Response<?>> T rpc(Request<?, T> request, String what) {
    T response;
    try {
      response = request.send();
    } catch (IOException e) {
      throw new ChainException(what + " failed: " + e.getMessage(), e);
    }
    if (response.hasError()) {
      throw new ChainException(what + " failed: " + describe(response.getError()));
    }
    return response;
  }

  private static final java.util.regex.Pattern REVERT_DATA =
      java.util.regex.Pattern.compile("(0x[0-9a-fA-F]{8,})");

  /** The error's message, led by the decoded revert (custom error name and arguments) if any. */
  static String describe(Response.Error error) {
    // Nodes put revert data in error.data, as a hex string or inside an object; Hardhat also
    // repeats it in the message.
    String decoded = null;
    for (String text : new String[] {error.getData(), error.getMessage()}) {
      if (text == null) {
        continue;
      }
      java.util.regex.Matcher m = REVERT_DATA.matcher(text);
      if (m.find()) {
        decoded = RevertDecoder.describe(m.group(1));
        break;
      }
    }
    return decoded == null ? error.getMessage() : decoded + " (" + error.getMessage() + ")";
  }

  @Override
  public void close() {
    web3j.shutdown();
  }
}
