package network.hydrogen.chain;

import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;

/** The CNX token (ERC20, 18 decimals). */
public final class TokenContract {
  /** One CNX in its smallest unit (18 decimals). */
  public static final BigInteger ONE_CNX = BigInteger.TEN.pow(18);

  private final Chain chain;
  private final String address;

  public TokenContract(Chain chain, String address) {
    this.chain = chain;
    this.address = address;
  }

  public String address() {
    return address;
  }

  /** {@code cnx} whole tokens in the smallest unit. */
  public static BigInteger cnx(long cnx) {
    return ONE_CNX.multiply(BigInteger.valueOf(cnx));
  }

  public BigInteger balanceOf(String owner) {
    return uint(new Function("balanceOf", List.of(new Address(owner)), List.of(UINT)));
  }

  public BigInteger allowance(String owner, String spender) {
    return uint(
        new Function(
            "allowance", List.of(new Address(owner), new Address(spender)), List.of(UINT)));
  }

  public BigInteger totalSupply() {
    return uint(new Function("totalSupply", List.of(), List.of(UINT)));
  }

  public Receipt approve(TransactionSender from, String spender, BigInteger amount) {
    return from.send(
        address,
        new Function("approve", List.of(new Address(spender), new Uint256(amount)), List.of()));
  }

  public Receipt transfer(TransactionSender from, String to, BigInteger amount) {
    return from.send(
        address,
        new Function("transfer", List.of(new Address(to), new Uint256(amount)), List.of()));
  }

  static final TypeReference<?> UINT = new TypeReference<Uint256>() {};

  private BigInteger uint(Function f) {
    List<Type> out = chain.call(address, f);
    return (BigInteger) out.get(0).getValue();
  }
}
