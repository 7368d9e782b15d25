package network.hydrogen.task.prompt;

import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Parses a prompt written in Compel's syntax ({@code word+}, {@code word--}, {@code (words)1.3},
 * nesting, {@code \(} escapes, {@code ("a", "b").blend(0.7, 0.3)}, {@code ("a", "b").and()}) into
 * the weighted fragments its conditioning is built from.
 *
 * <p>For every prompt it accepts the result is what compel 2.4's {@code PromptParser} produces,
 * quirks included: a comma gets a space after it, words inside parentheses or quotes are re-joined
 * with single spaces (so {@code (a, b)} reads {@code "a , b"}), neighbouring fragments of equal
 * weight are merged, and the legacy {@code (word:1.3)} is plain text ({@code "word:1 . 3"}). Where
 * compel would silently read broken syntax as literal text (unbalanced parentheses or quotes, a
 * weight glued to a word, {@code .blend()} in the middle of a prompt) this parser throws a {@link
 * PromptSyntaxException} instead; {@code .swap()} and {@code withLora()} are not supported.
 */
public final class PromptParser {

  /** compel's {@code attention_plus_base}: each {@code +} multiplies the weight by it. */
  private static final double PLUS_BASE = 1.1;

  /** compel's {@code attention_minus_base}: each {@code -} multiplies the weight by it. */
  private static final double MINUS_BASE = 0.9;

  /** The characters compel's grammar gives a meaning; a backslash before one makes it literal. */
  private static final String SYNTAX = "()\",.+-=";

  /** Longer runs of {@code +} or {@code -} are mistakes (1.1^1000 is already 2.5e41). */
  private static final int MAX_SIGN_RUN = 1000;

  private final String text;
  private final int[] originOf;
  private final int[] partner;
  private int pos;

  private PromptParser(String original) {
    StringBuilder spaced = new StringBuilder(original.length() + 16);
    int[] origins = new int[original.length() * 2 + 1];
    int i = 0;
    while (i < original.length()) {
      char c = original.charAt(i);
      origins[spaced.length()] = i;
      spaced.append(c);
      i++;
      // compel first rewrites ",X" (X not whitespace) to ", X", consuming X, so ",,a" -> ", ,a"
      if (c == ',' && i < original.length() && !isPythonSpace(original.codePointAt(i))) {
        int next = original.codePointAt(i);
        origins[spaced.length()] = i;
        spaced.append(' ');
        for (int k = 0; k < Character.charCount(next); k++) {
          origins[spaced.length()] = i + k;
          spaced.append(original.charAt(i + k));
        }
        i += Character.charCount(next);
      }
    }
    origins[spaced.length()] = original.length();
    this.text = spaced.toString();
    this.originOf = origins;
    this.partner = new int[text.length()];
  }

  /**
   * Parses one prompt.
   *
   * @throws PromptSyntaxException if the prompt is not valid Compel syntax, or uses a part of it
   *     that is not supported
   */
  public static Conjunction parse(String prompt) {
    Objects.requireNonNull(prompt, "prompt");
    if (isPythonBlank(prompt, 0, prompt.length())) {
      return single(new FlattenedPrompt(List.of(new Fragment("", 1.0))));
    }
    rejectControlCharacters(prompt);
    PromptParser parser = new PromptParser(prompt);
    try {
      parser.matchBrackets();
      return parser.parseConjunction();
    } catch (Failure failure) {
      int index = parser.originOf[failure.index];
      throw new PromptSyntaxException(
          failure.getMessage(), prompt, prompt.codePointCount(0, index));
    }
  }

  private static void rejectControlCharacters(String prompt) {
    for (int i = 0; i < prompt.length(); i++) {
      char c = prompt.charAt(i);
      if (Character.getType(c) == Character.CONTROL && c != '\t' && c != '\n' && c != '\r') {
        throw new PromptSyntaxException(
            String.format("control character U+%04X is not allowed", (int) c),
            prompt,
            prompt.codePointCount(0, i));
      }
    }
  }

  /**
   * Pairs every structural {@code (} and {@code "} with its closer in {@link #partner}, and rejects
   * unbalanced ones and escapes compel resolves inconsistently.
   */
  private void matchBrackets() {
    Deque<Integer> open = new ArrayDeque<>();
    int quote = -1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
        if (next == '\\' && i + 2 < text.length() && "()\"".indexOf(text.charAt(i + 2)) >= 0) {
          throw new Failure(
              i,
              "a backslash before the escaped '"
                  + text.charAt(i + 2)
                  + "' is ambiguous (compel removes a varying number of backslashes there)");
        }
        if (quote >= 0 && next < 128 && Character.isLetterOrDigit(next)) {
          throw new Failure(
              i, "the escape sequence '\\" + next + "' is not supported inside quotes");
        }
        continue;
      }
      if (quote >= 0 && (c == '\n' || c == '\r')) {
        throw new Failure(quote, "the quote is not closed on its line");
      }
      if (i > 0 && text.charAt(i - 1) == '\\') {
        continue;
      }
      if (c == '(') {
        open.push(i);
      } else if (c == ')') {
        if (open.isEmpty()) {
          throw new Failure(i, "')' has no matching '('");
        }
        if (open.peek() < quote) {
          throw new Failure(i, "')' has no matching '(' inside its quotes");
        }
        partner[open.pop()] = i;
      } else if (c == '"' && quote < 0) {
        quote = i;
      } else if (c == '"') {
        if (!open.isEmpty() && open.peek() > quote) {
          throw new Failure(
              open.peek(),
              "'(' is not closed before the quote around it ends (a quote inside quotes must be"
                  + " escaped as '\\\"')");
        }
        partner[quote] = i;
        quote = -1;
      }
    }
    if (quote >= 0) {
      throw new Failure(quote, "the quote is never closed");
    }
    if (!open.isEmpty()) {
      throw new Failure(open.peek(), "'(' is never closed");
    }
  }

  private Conjunction parseConjunction() {
    int end = text.length();
    pos = 0;
    skipWhitespace(end);
    if (pos < end && text.charAt(pos) == '(') {
      Operator operator = operatorAfter(partner[pos] + 1, end);
      if (operator != null && operator.combinesPrompts()) {
        return parseCombination(operator);
      }
    }
    pos = 0;
    List<Node> nodes = new ArrayList<>();
    parsePromptElements(end, nodes);
    List<Fragment> fragments = flatten(nodes);
    if (fragments.isEmpty()) {
      throw new Failure(0, "the prompt contains no text, only empty parentheses");
    }
    return single(new FlattenedPrompt(fragments));
  }

  /** {@code (part, part, ...).blend(weights)} or {@code .and(weights)} as the whole prompt. */
  private Conjunction parseCombination(Operator operator) {
    String call = "." + operator.name + "()";
    int listEnd = partner[pos];
    pos++;
    List<FlattenedPrompt> prompts = new ArrayList<>();
    while (true) {
      skipWhitespace(listEnd);
      int start = pos;
      String part = "part " + (prompts.size() + 1) + " of " + call;
      List<Fragment> fragments = flatten(parsePart(listEnd, part));
      if (fragments.isEmpty()) {
        throw new Failure(start, part + " contains no text");
      }
      prompts.add(new FlattenedPrompt(fragments));
      skipWhitespace(listEnd);
      if (pos == listEnd) {
        break;
      }
      if (text.charAt(pos) != ',') {
        throw new Failure(
            start,
            part + " must be one quoted prompt, parenthesized text or word (put it in quotes)");
      }
      pos++;
    }
    boolean blend = operator.name.equals("blend");
    List<Double> weights = new ArrayList<>();
    boolean normalize = parseCombinationWeights(operator, call, blend, weights);
    if (weights.isEmpty()) {
      prompts.forEach(p -> weights.add(1.0));
    } else if (weights.size() != prompts.size()) {
      throw new Failure(
          operator.dot,
          call
              + " has "
              + prompts.size()
              + (prompts.size() == 1 ? " prompt but " : " prompts but ")
              + weights.size()
              + (weights.size() == 1 ? " weight" : " weights"));
    }
    skipWhitespace(text.length());
    if (pos < text.length()) {
      throw new Failure(pos, "unexpected text after " + call + ", which must end the prompt");
    }
    if (blend) {
      return single(new Blend(prompts, weights, normalize));
    }
    List<Conjunction.Term> terms = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      terms.add(new Conjunction.Term(prompts.get(i), weights.get(i)));
    }
    return new Conjunction(terms);
  }

  /** One item of a blend or conjunction list: quoted prompt, parenthesized text or one word. */
  private List<Node> parsePart(int limit, String part) {
    List<Node> nodes = new ArrayList<>();
    char c = pos < limit ? text.charAt(pos) : ')';
    if (c == '"') {
      int close = partner[pos];
      int start = pos + 1;
      if (isPythonBlank(text, start, close)) {
        nodes.add(new Text(""));
      } else {
        try {
          pos = start;
          parseFragmentElements(close, nodes);
        } catch (Failure failure) {
          if (!failure.compelRejects) {
            throw failure;
          }
          // compel retries a quoted part that its fragment grammar rejects as a whole prompt
          nodes.clear();
          pos = start;
          parsePromptElements(close, nodes);
        }
      }
      pos = close + 1;
    } else if (c == '(') {
      int close = partner[pos];
      pos++;
      parseFragmentElements(close, nodes);
      pos = close + 1;
    } else {
      int end = wordEnd(pos, limit);
      if (end == pos) {
        throw new Failure(
            pos, part + " is missing: expected a quoted prompt, parentheses or a word");
      }
      nodes.add(new Text(text.substring(pos, end)));
      pos = end;
    }
    return nodes;
  }

  /** The arguments of {@code .blend(...)} or {@code .and(...)}; returns whether to normalize. */
  private boolean parseCombinationWeights(
      Operator operator, String call, boolean blend, List<Double> weights) {
    int end = partner[operator.paren];
    pos = operator.paren + 1;
    boolean normalize = true;
    skipWhitespace(end);
    while (pos < end) {
      int start = pos;
      int keywordEnd = pos;
      while (keywordEnd < end && isKeywordChar(text.charAt(keywordEnd))) {
        keywordEnd++;
      }
      if (blend && text.substring(pos, keywordEnd).equals("no_normalize")) {
        normalize = false;
        pos = keywordEnd;
        skipWhitespace(end);
        if (pos < end) {
          throw new Failure(start, "no_normalize must be the last argument of " + call);
        }
        break;
      }
      int numberEnd = numberEnd(pos, end, true);
      if (numberEnd < 0) {
        throw new Failure(
            start,
            "expected a weight (a number such as 0.7) in "
                + call
                + ", found '"
                + token(start, end)
                + "'");
      }
      weights.add(parseNumber(start, numberEnd));
      pos = numberEnd;
      if (pos < end && !isSpace(text.charAt(pos)) && text.charAt(pos) != ',') {
        throw new Failure(
            start, "the weight '" + token(start, end) + "' in " + call + " is not a number");
      }
      skipWhitespace(end);
      if (pos < end && text.charAt(pos) != ',') {
        throw new Failure(
            pos,
            "expected ',' between the weights of " + call + ", found '" + token(pos, end) + "'");
      }
      if (pos < end) {
        pos++;
        skipWhitespace(end);
        if (pos == end) {
          throw new Failure(pos, "expected a weight after ',' in " + call);
        }
      }
    }
    pos = end + 1;
    return normalize;
  }

  /** compel's prompt grammar: words outside parentheses are kept as written, commas included. */
  private void parsePromptElements(int limit, List<Node> out) {
    while (true) {
      skipWhitespace(limit);
      if (pos >= limit) {
        return;
      }
      char c = text.charAt(pos);
      if (c == '(' || c == '"') {
        parseGroup(limit, out);
        continue;
      }
      rejectLora(limit);
      int end = wordEnd(pos, limit);
      if (end > pos && parseWordOperator(end, limit, out)) {
        continue;
      }
      parseFreeWord(limit, out);
    }
  }

  /**
   * compel's grammar inside parentheses and quotes: words, commas and periods are separate
   * fragments (joined with spaces later), and {@code =} or a lone {@code +}/{@code -} is an error.
   */
  private void parseFragmentElements(int limit, List<Node> out) {
    while (true) {
      skipWhitespace(limit);
      if (pos >= limit) {
        return;
      }
      char c = text.charAt(pos);
      if (c == '(' || c == '"') {
        parseGroup(limit, out);
        continue;
      }
      rejectLora(limit);
      int end = wordEnd(pos, limit);
      if (end > pos) {
        if (!parseWordOperator(end, limit, out)) {
          out.add(new Text(text.substring(pos, end)));
          pos = end;
        }
      } else if (c == ',' || c == '.') {
        out.add(new Text(String.valueOf(c)));
        pos++;
      } else if (c == '=') {
        throw new Failure(pos, "'=' must be escaped as '\\=' inside parentheses or quotes", true);
      } else {
        throw new Failure(
            pos,
            "'"
                + c
                + "' must directly follow a word or a closing parenthesis, or be escaped as '\\"
                + c
                + "' inside parentheses or quotes",
            true);
      }
    }
  }

  /** A parenthesized or quoted group at {@link #pos}, with its weight or operator if any. */
  private void parseGroup(int limit, List<Node> out) {
    int open = pos;
    int close = partner[open];
    List<Node> children = new ArrayList<>();
    if (text.charAt(open) == '"' && isPythonBlank(text, open + 1, close)) {
      children.add(new Text(""));
    } else {
      pos = open + 1;
      parseFragmentElements(close, children);
    }
    pos = close + 1;
    if (pos < limit) {
      char c = text.charAt(pos);
      if (c == '+' || c == '-' || isAsciiDigit(c) || (c == '.' && isAsciiDigitAt(pos + 1, limit))) {
        int start = pos;
        double weight = parseWeight(limit);
        rejectGluedText(start, limit);
        out.add(new Weighted(weight, children));
        return;
      }
      if (Character.isDigit(text.codePointAt(pos))) {
        throw new Failure(pos, "weights must be written with the digits 0-9");
      }
    }
    Operator operator = operatorAfter(pos, limit);
    if (operator != null) {
      applyOperator(operator, children, out);
    } else {
      out.addAll(children);
    }
  }

  /** A word [pos, end) followed by {@code +}s, {@code -}s or an operator; false if neither. */
  private boolean parseWordOperator(int end, int limit, List<Node> out) {
    List<Node> word = List.of(new Text(text.substring(pos, end)));
    if (end < limit && (text.charAt(end) == '+' || text.charAt(end) == '-')) {
      pos = end;
      double weight = parseWeight(limit);
      rejectGluedText(end, limit);
      out.add(new Weighted(weight, word));
      return true;
    }
    Operator operator = operatorAfter(end, limit);
    if (operator == null) {
      return false;
    }
    applyOperator(operator, word, out);
    return true;
  }

  private void applyOperator(Operator operator, List<Node> target, List<Node> out) {
    switch (operator.name) {
      case "attend" -> {
        int close = partner[operator.paren];
        pos = operator.paren + 1;
        skipWhitespace(close);
        double weight = parseWeight(close);
        skipWhitespace(close);
        if (pos != close) {
          throw new Failure(
              operator.paren + 1,
              "expected one weight (a number, '+'s or '-'s) in .attend(), found '"
                  + text.substring(operator.paren + 1, close).strip()
                  + "'");
        }
        pos = close + 1;
        out.add(new Weighted(weight, target));
      }
      case "swap" ->
          throw new Failure(operator.dot, ".swap() (cross-attention control) is not supported");
      default ->
          throw new Failure(
              operator.dot,
              "."
                  + operator.name
                  + "() must take the whole prompt, as in (\"a prompt\", \"another prompt\")."
                  + operator.name
                  + "()");
    }
  }

  /** A run of non-whitespace taken literally, as compel does where nothing else matches. */
  private void parseFreeWord(int limit, List<Node> out) {
    int end = pos;
    while (end < limit && !isSpace(text.charAt(end))) {
      end++;
    }
    for (int i = pos; i < end; i++) {
      char c = text.charAt(i);
      if ((c == '(' || c == '"') && text.charAt(i - 1) != '\\') {
        String before = text.substring(pos, i);
        if (c == '(' && before.matches("\\.(attend|swap|blend|and|add)")) {
          throw new Failure(
              pos, before + "() has nothing to apply to: put it right after a word or parentheses");
        }
        throw new Failure(
            i,
            "'"
                + c
                + "' is glued to the text before it, so compel would take it literally: put a space"
                + " before it, or escape it as '\\"
                + c
                + "'");
      }
    }
    out.add(new Text(text.substring(pos, end)));
    pos = end;
  }

  private void rejectLora(int limit) {
    for (String trigger : List.of("withLora", "useLora")) {
      if (text.startsWith(trigger, pos)) {
        int after = skipWhitespaceFrom(pos + trigger.length(), limit);
        if (after < limit && text.charAt(after) == '(') {
          throw new Failure(pos, trigger + "() is not supported: give a LoRA in the task instead");
        }
      }
    }
  }

  /** A run of {@code +}, a run of {@code -} or an unsigned number at {@link #pos}. */
  private double parseWeight(int limit) {
    int start = pos;
    char c = pos < limit ? text.charAt(pos) : 0;
    if (c == '+' || c == '-') {
      while (pos < limit && text.charAt(pos) == c) {
        pos++;
      }
      int count = pos - start;
      if (count > MAX_SIGN_RUN) {
        throw new Failure(start, "more than " + MAX_SIGN_RUN + " '" + c + "' in a row");
      }
      return exactPower(c == '+' ? PLUS_BASE : MINUS_BASE, count);
    }
    int end = numberEnd(pos, limit, false);
    if (end < 0) {
      throw new Failure(
          start, "expected a weight (a number, '+'s or '-'s), found '" + token(start, limit) + "'");
    }
    pos = end;
    return parseNumber(start, end);
  }

  /**
   * compel's number: {@code [+-]?(\d+\.\d*|\.\d+)} or {@code -?\d+}; returns its end, or -1. Signs
   * are only read where {@code signed}, since elsewhere a sign is a {@code +}/{@code -} weight.
   */
  private int numberEnd(int start, int limit, boolean signed) {
    int q = start;
    if (signed && q < limit && (text.charAt(q) == '-' || text.charAt(q) == '+')) {
      q++;
    }
    int digitsStart = q;
    while (q < limit && isAsciiDigit(text.charAt(q))) {
      q++;
    }
    boolean intDigits = q > digitsStart;
    if (q < limit && text.charAt(q) == '.' && (intDigits || isAsciiDigitAt(q + 1, limit))) {
      q++;
      while (q < limit && isAsciiDigit(text.charAt(q))) {
        q++;
      }
      return q;
    }
    return intDigits && text.charAt(start) != '+' ? q : -1;
  }

  private double parseNumber(int start, int end) {
    double value = Double.parseDouble(text.substring(start, end));
    if (Double.isInfinite(value)) {
      throw new Failure(start, "the weight '" + text.substring(start, end) + "' is too large");
    }
    return value;
  }

  /** A weight must be followed by a space, punctuation or a bracket, not by more text. */
  private void rejectGluedText(int weightStart, int limit) {
    if (pos >= limit) {
      return;
    }
    int next = text.codePointAt(pos);
    char sign = text.charAt(weightStart);
    boolean glued =
        Character.isLetterOrDigit(next)
            || (next == '-' && sign != '-')
            || (next == '+' && sign != '+')
            || (next == '.' && isAsciiDigitAt(pos + 1, limit));
    if (glued) {
      throw new Failure(
          weightStart,
          "the weight '"
              + token(weightStart, limit)
              + "' is not valid: write a number such as 1.3, or '+'s or '-'s, and end it with a"
              + " space");
    }
  }

  /** {@code .name(} after optional whitespace from {@code from}, for the operators compel knows. */
  private Operator operatorAfter(int from, int limit) {
    int dot = skipWhitespaceFrom(from, limit);
    for (String name : List.of("attend", "swap", "blend", "and", "add")) {
      if (text.startsWith("." + name, dot) && dot + name.length() + 1 <= limit) {
        int paren = skipWhitespaceFrom(dot + name.length() + 1, limit);
        if (paren < limit && text.charAt(paren) == '(') {
          return new Operator(name, dot, paren);
        }
      }
    }
    return null;
  }

  /**
   * compel's {@code non_syntax_word}: the end of the word starting at {@code start}, made of
   * characters without meaning in the syntax, escaped ones, and {@code +}/{@code -} followed by
   * such a character.
   */
  private int wordEnd(int start, int limit) {
    int q = start;
    while (q < limit) {
      char c = text.charAt(q);
      if (c == '\\' && q + 1 < limit && SYNTAX.indexOf(text.charAt(q + 1)) >= 0) {
        q += 2;
      } else if (c == '+' || c == '-') {
        if (q + 1 >= limit
            || isSpace(text.charAt(q + 1))
            || SYNTAX.indexOf(text.charAt(q + 1)) >= 0) {
          return q;
        }
        q++;
      } else if (isSpace(c) || SYNTAX.indexOf(c) >= 0) {
        return q;
      } else {
        q++;
      }
    }
    return q;
  }

  /** The text from {@code start} up to the next whitespace, bracket or comma, for messages. */
  private String token(int start, int limit) {
    int end = start;
    while (end < limit && !isSpace(text.charAt(end)) && "()\",".indexOf(text.charAt(end)) < 0) {
      end++;
    }
    return text.substring(start, Math.max(end, Math.min(start + 1, limit)));
  }

  private void skipWhitespace(int limit) {
    pos = skipWhitespaceFrom(pos, limit);
  }

  private int skipWhitespaceFrom(int from, int limit) {
    int q = from;
    while (q < limit && isSpace(text.charAt(q))) {
      q++;
    }
    return q;
  }

  private boolean isAsciiDigitAt(int index, int limit) {
    return index < limit && isAsciiDigit(text.charAt(index));
  }

  private static Conjunction single(Prompt prompt) {
    return new Conjunction(List.of(new Conjunction.Term(prompt, 1.0)));
  }

  /** Resolves nesting (weights multiply, outermost first, as compel does) and merges. */
  private static List<Fragment> flatten(List<Node> nodes) {
    List<Fragment> flat = new ArrayList<>();
    collect(nodes, 1.0, flat);
    List<Fragment> merged = new ArrayList<>();
    for (Fragment fragment : flat) {
      if (!merged.isEmpty() && merged.getLast().weight() == fragment.weight()) {
        Fragment last = merged.removeLast();
        merged.add(new Fragment(last.text() + " " + fragment.text(), last.weight()));
      } else {
        merged.add(fragment);
      }
    }
    return merged;
  }

  private static void collect(List<Node> nodes, double scale, List<Fragment> out) {
    for (Node node : nodes) {
      switch (node) {
        case Text t ->
            out.add(
                new Fragment(
                    t.raw().replace("\\(", "(").replace("\\)", ")").replace("\\\"", "\""), scale));
        case Weighted w -> collect(w.children(), scale * w.weight(), out);
      }
    }
  }

  /** {@code base^count} correctly rounded, as C's {@code pow} (which compel uses) gives it. */
  private static double exactPower(double base, int count) {
    return new BigDecimal(base).pow(count).doubleValue();
  }

  /** Whitespace as compel's grammar (pyparsing) skips it. */
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  /** Python's {@code str.isspace()} for one code point. */
  private static boolean isPythonSpace(int codePoint) {
    return Character.isWhitespace(codePoint)
        || Character.isSpaceChar(codePoint)
        || codePoint == 0x85;
  }

  private static boolean isPythonBlank(String s, int from, int to) {
    for (int i = from; i < to; i += Character.charCount(s.codePointAt(i))) {
      if (!isPythonSpace(s.codePointAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isKeywordChar(char c) {
    return c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-');
  }

  /** The parse tree before flattening. */
  private sealed interface Node permits Text, Weighted {}

  /** Text as written (escapes not yet resolved). */
  private record Text(String raw) implements Node {}

  /** {@code (children)weight}, {@code word+} and the like. */
  private record Weighted(double weight, List<Node> children) implements Node {}

  /** {@code .name(} found at {@code dot}, its parenthesis at {@code paren}. */
  private record Operator(String name, int dot, int paren) {
    boolean combinesPrompts() {
      return name.equals("blend") || name.equals("and") || name.equals("add");
    }
  }

  /**
   * A syntax error at an index of {@link #text}. {@code compelRejects} marks errors where compel's
   * fragment grammar fails too (and so may retry another reading), as opposed to errors this parser
   * raises for text compel would read literally.
   */
  private static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int index;
    final boolean compelRejects;

    Failure(int index, String message) {
      this(index, message, false);
    }

    Failure(int index, String message, boolean compelRejects) {
      super(message, null, false, false);
      this.index = index;
      this.compelRejects = compelRejects;
    }
  }
}
