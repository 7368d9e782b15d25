package network.hydrogen.cli;

/**
 * A failure caused by what the user gave (a missing or invalid file): the command exits with {@link
 * Hydrogen#EXIT_BAD_INPUT} and prints the message as is.
 */
public final class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }
}
