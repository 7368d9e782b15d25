package network.hydrogen.task.prompt;

/**
 * A prompt that is not valid Compel syntax. The message says what is wrong, at which character
 * (code point) offset, and shows the text around it.
 */
public final class PromptSyntaxException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final int offset;

  PromptSyntaxException(String problem, String prompt, int offset) {
    super(problem + " (at offset " + offset + ": " + excerpt(prompt, offset) + ")");
    this.offset = offset;
  }

  /** The offset in code points of the offending character in the prompt. */
  public int offset() {
    return offset;
  }

  private static final int CONTEXT = 12;

  private static String excerpt(String prompt, int offset) {
    int length = prompt.codePointCount(0, prompt.length());
    int from = Math.max(0, offset - CONTEXT);
    int to = Math.min(length, offset + CONTEXT);
    String text =
        prompt.substring(prompt.offsetByCodePoints(0, from), prompt.offsetByCodePoints(0, to));
    String visible = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    return (from > 0 ? "…" : "") + "\"" + visible + "\"" + (to < length ? "…" : "");
  }
}
