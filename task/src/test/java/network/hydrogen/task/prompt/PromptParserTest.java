package network.hydrogen.task.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The syntax rules one by one, with expected values written out (they agree with compel, see {@link
 * CompelParityTest}), and the errors for malformed prompts.
 */
class PromptParserTest {

  private static Fragment f(String text, double weight) {
    return new Fragment(text, weight);
  }

  private static Conjunction single(Fragment... fragments) {
    return new Conjunction(
        List.of(new Conjunction.Term(new FlattenedPrompt(List.of(fragments)), 1.0)));
  }

  static Stream<Arguments> prompts() {
    return Stream.of(
        Arguments.of("a red fox", single(f("a red fox", 1.0))),
        Arguments.of("", single(f("", 1.0))),
        Arguments.of(" \u3000 ", single(f("", 1.0))),
        // whitespace runs become single spaces, line breaks included
        Arguments.of("  a\t\tred\n fox  ", single(f("a red fox", 1.0))),
        // + and - multiply by 1.1 and 0.9 per sign: 1.1^2 and 0.9^2 as doubles
        Arguments.of(
            "a red++ fox-- in the snow",
            single(
                f("a", 1.0), f("red", 1.2100000000000002), f("fox", 0.81), f("in the snow", 1.0))),
        Arguments.of("(red fox)+++", single(f("red fox", 1.3310000000000004))),
        Arguments.of("(red fox)1.3 x", single(f("red fox", 1.3), f("x", 1.0))),
        Arguments.of("(red fox).5", single(f("red fox", 0.5))),
        Arguments.of("(red fox)0", single(f("red fox", 0.0))),
        // nested weights multiply from the outside in: (1.3 * 0.7) * 1.2, not (1.2 * 0.7) * 1.3
        Arguments.of("(((a)1.2)0.7)1.3", single(f("a", 1.0919999999999999))),
        Arguments.of(
            "(a (b)1.2)1.5 c", single(f("a", 1.5), f("b", 1.7999999999999998), f("c", 1.0))),
        Arguments.of("(a (b+)--)", single(f("a", 1.0), f("b", 0.8910000000000001))),
        // neighbours of equal weight merge
        Arguments.of("(a)1.3 (b)1.3", single(f("a b", 1.3))),
        Arguments.of("(a)(b) c", single(f("a b c", 1.0))),
        // outside parentheses punctuation stays on its word; inside, words are re-joined by spaces
        Arguments.of("red fox, snow.", single(f("red fox, snow.", 1.0))),
        Arguments.of("red,fox", single(f("red, fox", 1.0))),
        Arguments.of("(red fox, snow.)1.2", single(f("red fox , snow .", 1.2))),
        Arguments.of("\"red fox, snow\"", single(f("red fox , snow", 1.0))),
        // compel has no A1111 (word:1.3) syntax: it is text
        Arguments.of("(word:1.3)", single(f("word:1 . 3", 1.0))),
        // + and - inside a word are text
        Arguments.of("x-ray a+b (x-ray)-", single(f("x-ray a+b", 1.0), f("x-ray", 0.9))),
        Arguments.of(
            "a photo of \\(literal parens\\) and \\\"quotes\\\"",
            single(f("a photo of (literal parens) and \"quotes\"", 1.0))),
        Arguments.of("(\\(a\\))1.2", single(f("(a)", 1.2))),
        Arguments.of("\"say \\\"hi\\\"\"+", single(f("say \"hi\"", 1.1))),
        Arguments.of("(a\\, b\\=c)-", single(f("a\\, b\\=c", 0.9))),
        Arguments.of("a \"\" b", single(f("a  b", 1.0))),
        Arguments.of("a () b", single(f("a b", 1.0))),
        Arguments.of(
            "(a b).attend(0.8) c.attend(++)", single(f("a b", 0.8), f("c", 1.2100000000000002))),
        Arguments.of(
            "日本語の (猫)1.2 café 🦊+",
            single(f("日本語の", 1.0), f("猫", 1.2), f("café", 1.0), f("🦊", 1.1))),
        Arguments.of(
            "(\"a red fox\", \"a snowy forest\").blend(0.7, 0.3)",
            new Conjunction(
                List.of(
                    new Conjunction.Term(
                        new Blend(
                            List.of(
                                new FlattenedPrompt(List.of(f("a red fox", 1.0))),
                                new FlattenedPrompt(List.of(f("a snowy forest", 1.0)))),
                            List.of(0.7, 0.3),
                            true),
                        1.0)))),
        Arguments.of(
            "(\"a (red)1.2 fox\", \"b--\").blend(1, -0.5, no_normalize)",
            new Conjunction(
                List.of(
                    new Conjunction.Term(
                        new Blend(
                            List.of(
                                new FlattenedPrompt(
                                    List.of(f("a", 1.0), f("red", 1.2), f("fox", 1.0))),
                                new FlattenedPrompt(List.of(f("b", 0.81)))),
                            List.of(1.0, -0.5),
                            false),
                        1.0)))),
        Arguments.of(
            "(\"a red fox\", (snowy forest)).and(1, 0.5)",
            new Conjunction(
                List.of(
                    new Conjunction.Term(new FlattenedPrompt(List.of(f("a red fox", 1.0))), 1.0),
                    new Conjunction.Term(
                        new FlattenedPrompt(List.of(f("snowy forest", 1.0))), 0.5)))),
        // a quoted part compel's fragment grammar rejects ('=') is read as a whole prompt instead
        Arguments.of(
            "(\"a, b=c\", \"d, e\").and()",
            new Conjunction(
                List.of(
                    new Conjunction.Term(new FlattenedPrompt(List.of(f("a, b=c", 1.0))), 1.0),
                    new Conjunction.Term(new FlattenedPrompt(List.of(f("d , e", 1.0))), 1.0)))));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("prompts")
  void parses(String prompt, Conjunction expected) {
    assertEquals(expected, PromptParser.parse(prompt));
  }

  @Test
  void longPromptKeepsItsTextAndWeights() {
    String sentence = "soft morning light, tall pine trees, falling snowflakes, frozen river. ";
    String prompt = "a (red fox)1.2 in the snow. " + sentence.repeat(40) + "masterpiece++";
    Conjunction parsed = PromptParser.parse(prompt);
    assertEquals(
        single(
            f("a", 1.0),
            f("red fox", 1.2),
            f("in the snow. " + sentence.repeat(40).strip(), 1.0),
            f("masterpiece", 1.2100000000000002)),
        parsed);
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("a (red fox", "'(' is never closed (at offset 2: \"a (red fox\")"),
        Arguments.of("a red fox)", "')' has no matching '(' (at offset 9: \"a red fox)\")"),
        Arguments.of("a \"red fox", "the quote is never closed (at offset 2: \"a \"red fox\")"),
        Arguments.of(
            "(a \"b) c\"",
            "')' has no matching '(' inside its quotes (at offset 5: \"(a \"b) c\"\")"),
        Arguments.of(
            "\"a (\"b\") c\"",
            "'(' is not closed before the quote around it ends (a quote inside quotes must be"
                + " escaped as '\\\"') (at offset 3: \"\"a (\"b\") c\"\")"),
        Arguments.of(
            "\"a\nb\"", "the quote is not closed on its line (at offset 0: \"\"a\\nb\"\")"),
        Arguments.of(
            "a (red fox)1.3x",
            "the weight '1.3x' is not valid: write a number such as 1.3, or '+'s or '-'s, and end"
                + " it with a space (at offset 11: \"a (red fox)1.3x\")"),
        Arguments.of(
            "a (red fox)-0.5, b",
            "the weight '-0.5' is not valid: write a number such as 1.3, or '+'s or '-'s, and end"
                + " it with a space (at offset 11: \"a (red fox)-0.5, b\")"),
        Arguments.of(
            "red++fox",
            "the weight '++fox' is not valid: write a number such as 1.3, or '+'s or '-'s, and end"
                + " it with a space (at offset 3: \"red++fox\")"),
        Arguments.of(
            "(a)1.2.5",
            "the weight '1.2.5' is not valid: write a number such as 1.3, or '+'s or '-'s, and end"
                + " it with a space (at offset 3: \"(a)1.2.5\")"),
        Arguments.of(
            "(a)١.٢", "weights must be written with the digits 0-9 (at offset 3: \"(a)١.٢\")"),
        Arguments.of(
            "a (b = c)1.2",
            "'=' must be escaped as '\\=' inside parentheses or quotes (at offset 5: \"a (b = c)1.2\")"),
        Arguments.of(
            "a (b - c)1.2",
            "'-' must directly follow a word or a closing parenthesis, or be escaped as '\\-' inside"
                + " parentheses or quotes (at offset 5: \"a (b - c)1.2\")"),
        Arguments.of(
            "(\"a\", \"b\").blend(1)",
            ".blend() has 2 prompts but 1 weight (at offset 10: \"(\"a\", \"b\").blend(1)\")"),
        Arguments.of(
            "(\"a\", \"b\", \"c\").and(1, 2)",
            ".and() has 3 prompts but 2 weights (at offset 15: …\"\", \"b\", \"c\").and(1, 2)\")"),
        Arguments.of(
            "(\"a\", \"b\").blend(1, x)",
            "expected a weight (a number such as 0.7) in .blend(), found 'x' (at offset 20:"
                + " …\"\").blend(1, x)\")"),
        Arguments.of(
            "(\"a\", \"b\").blend(1 2)",
            "expected ',' between the weights of .blend(), found '2' (at offset 19: …\"b\").blend(1"
                + " 2)\")"),
        Arguments.of(
            "(\"a\", \"b\").blend(1x, 2)",
            "the weight '1x' in .blend() is not a number (at offset 17: …\" \"b\").blend(1x, 2)\")"),
        Arguments.of(
            "(\"a\", \"b\").blend(1, 1, no_normalize, 2)",
            "no_normalize must be the last argument of .blend() (at offset 23: …\"blend(1, 1,"
                + " no_normalize\"…)"),
        Arguments.of(
            "(\"a\", \"b\").and() trailing",
            "unexpected text after .and(), which must end the prompt (at offset 17: …\" \"b\").and()"
                + " trailing\")"),
        Arguments.of(
            "(a b, c).and()",
            "part 1 of .and() must be one quoted prompt, parenthesized text or word (put it in"
                + " quotes) (at offset 1: \"(a b, c).and(\"…)"),
        Arguments.of(
            "(a, ()).and()", "part 2 of .and() contains no text (at offset 4: \"(a, ()).and()\")"),
        Arguments.of(
            "()", "the prompt contains no text, only empty parentheses (at offset 0: \"()\")"),
        Arguments.of(
            "a cat.swap(dog)",
            ".swap() (cross-attention control) is not supported (at offset 5: \"a cat.swap(dog)\")"),
        Arguments.of(
            "a withLora(foo, 0.5)",
            "withLora() is not supported: give a LoRA in the task instead (at offset 2: \"a"
                + " withLora(foo\"…)"),
        Arguments.of(
            "a, (\"x\", \"y\").blend(1, 1)",
            ".blend() must take the whole prompt, as in (\"a prompt\", \"another prompt\").blend()"
                + " (at offset 13: …\", (\"x\", \"y\").blend(1, 1)\")"),
        Arguments.of(
            "a(b)",
            "'(' is glued to the text before it, so compel would take it literally: put a space"
                + " before it, or escape it as '\\(' (at offset 1: \"a(b)\")"),
        Arguments.of(
            "\"a\\tb\"",
            "the escape sequence '\\t' is not supported inside quotes (at offset 2: \"\"a\\tb\"\")"),
        Arguments.of(
            "a \\\\(b",
            "a backslash before the escaped '(' is ambiguous (compel removes a varying number of"
                + " backslashes there) (at offset 2: \"a \\\\(b\")"),
        Arguments.of(
            "a\u000bb", "control character U+000B is not allowed (at offset 1: \"a\u000bb\")"),
        // offsets count code points of the prompt as given (before ", " is inserted after commas)
        Arguments.of("日本 (猫", "'(' is never closed (at offset 3: \"日本 (猫\")"),
        Arguments.of("🦊,b (c", "'(' is never closed (at offset 4: \"🦊,b (c\")"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("malformed")
  void rejectsMalformedPrompts(String prompt, String message) {
    PromptSyntaxException error =
        assertThrows(PromptSyntaxException.class, () -> PromptParser.parse(prompt));
    assertEquals(message, error.getMessage());
  }

  @Test
  void reportsTheOffsetAndShortensLongExcerpts() {
    String prompt = "a very long prompt about a red fox in the (snowy forest";
    PromptSyntaxException error =
        assertThrows(PromptSyntaxException.class, () -> PromptParser.parse(prompt));
    assertEquals(42, error.offset());
    assertEquals(
        "'(' is never closed (at offset 42: …\" fox in the (snowy fores\"…)", error.getMessage());
  }

  @Test
  void rejectsAbsurdlyLongSignRuns() {
    PromptSyntaxException error =
        assertThrows(PromptSyntaxException.class, () -> PromptParser.parse("a" + "+".repeat(1001)));
    assertEquals(1, error.offset());
  }
}
