package network.hydrogen.task.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every prompt in compel-parses.json (made by tools/compel/generate_prompt_parses.py with compel's
 * own parser, the sd15-compel reference prompts first) parses to exactly compel's fragments,
 * weights, blends and conjunction weights.
 */
class CompelParityTest {

  private static final String RESOURCE = "compel-parses.json";

  static Stream<Arguments> cases() {
    return cases(readCases()).stream();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("cases")
  void parsesLikeCompel(String prompt, Conjunction expected) {
    assertEquals(expected, PromptParser.parse(prompt));
  }

  @Test
  void coversEveryPromptOfTheReferenceData() {
    long golden = 0;
    for (JsonNode c : readCases()) {
      if (c.get("source").asText().equals("sd15-compel golden")) {
        golden++;
      }
    }
    // the six cases, the long prompt and its negative prompt of sd15-compel/golden/index.json
    assertEquals(8, golden);
  }

  private static JsonNode readCases() {
    try (InputStream in = CompelParityTest.class.getResourceAsStream(RESOURCE)) {
      assertTrue(in != null, RESOURCE + " is on the test classpath");
      return new ObjectMapper().readTree(in).get("cases");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Arguments> cases(JsonNode cases) {
    List<Arguments> arguments = new ArrayList<>();
    for (JsonNode c : cases) {
      List<Conjunction.Term> terms = new ArrayList<>();
      for (JsonNode part : c.get("parts")) {
        Prompt prompt;
        if (part.has("blend")) {
          List<FlattenedPrompt> prompts = new ArrayList<>();
          part.get("blend").forEach(p -> prompts.add(flattened(p)));
          List<Double> weights = new ArrayList<>();
          part.get("blend_weights").forEach(w -> weights.add(w.doubleValue()));
          prompt = new Blend(prompts, weights, part.get("normalize").booleanValue());
        } else {
          prompt = flattened(part.get("fragments"));
        }
        terms.add(new Conjunction.Term(prompt, part.get("weight").doubleValue()));
      }
      arguments.add(Arguments.of(c.get("prompt").asText(), new Conjunction(terms)));
    }
    return arguments;
  }

  private static FlattenedPrompt flattened(JsonNode fragments) {
    List<Fragment> list = new ArrayList<>();
    for (JsonNode f : fragments) {
      list.add(new Fragment(f.get(0).asText(), f.get(1).doubleValue()));
    }
    return new FlattenedPrompt(list);
  }
}
