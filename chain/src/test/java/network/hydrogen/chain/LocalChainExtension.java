package network.hydrogen.chain;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Injects a {@link LocalChain} (fresh contracts on the shared Hardhat node) into each test. */
final class LocalChainExtension implements ParameterResolver {
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == LocalChain.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    LocalChain chain = LocalChain.deploy(context);
    context
        .getStore(ExtensionContext.Namespace.create(LocalChainExtension.class))
        .put("chain", chain);
    return chain;
  }
}
