package network.hydrogen.task;

import static network.hydrogen.task.TestTasks.json;
import static network.hydrogen.task.TestTasks.minimalWith;
import static network.hydrogen.task.TestTasks.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class CanonicalFormTest {

  @Test
  void keccak256IsEthereumsNotSha3() {
    assertThat(Tasks.keccak256(new byte[0]))
        .isEqualTo("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        .isNotEqualTo("0xa7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    assertThat(Tasks.keccak256("abc".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  }

  @Test
  void canonicalFormFillsDefaultsSortsKeysAndDropsWhitespace() throws Exception {
    ValidTask task = parse(TestTasks.MINIMAL);
    assertThat(task.canonicalJson())
        .isEqualTo(
            json(
                "{'base_model':{'name':'m'},'dtype':'auto','negative_prompt':'','prompt':'p',"
                    + "'scheduler':{'args':{},'method':'DPMSolverMultistepScheduler'},"
                    + "'task_config':{'cfg':5,'image_height':512,'image_width':512,'num_images':6,"
                    + "'safety_checker':true,'seed':0,'steps':1},'textual_inversion':'','unet':'',"
                    + "'vae':'','version':'2.5.0'}"));
    assertThat(task.hash()).isEqualTo(Tasks.keccak256(task.canonicalBytes()));
    // Checked with pycryptodome's keccak; a change here changes every task hash on the network.
    assertThat(task.hash())
        .isEqualTo("0x93d5d75023dcc4ac7a3c71fecbd971a21aa6b0393e5bdc45cd01e0a81af4809c");
  }

  static Stream<List<String>> sameTasks() {
    return Stream.of(
        List.of(
            TestTasks.MINIMAL,
            json("{'task_config': {}, 'prompt': 'p', 'base_model': 'm'}"),
            json("{\n  'base_model' : 'm' ,\n\t'prompt':'p',\r\n'task_config':{ } }\n"),
            json("{'base_model': {'name': 'm'}, 'prompt': 'p', 'task_config': {}}"),
            json(
                "{'base_model': {'name': 'm', 'variant': null}, 'prompt': 'p', 'task_config': {}}"),
            json("{'base_model': 'm', 'prompt': '\\u0070', 'task_config': {}}"),
            minimalWith("'lora': null, 'controlnet': null, 'refiner': null"),
            minimalWith("'scheduler': {'method': 'DPMSolverMultistepScheduler'}"),
            minimalWith("'scheduler': {'method': 'DPMSolverMultistepScheduler', 'args': null}"),
            minimalWith("'scheduler': {'args': {}, 'method': 'DPMSolverMultistepScheduler'}"),
            json(
                "{'version': '2.5.0', 'base_model': 'm', 'dtype': 'auto', 'unet': '', 'prompt': 'p',"
                    + " 'negative_prompt': '', 'task_config': {'image_width': 512, 'image_height': 512,"
                    + " 'steps': 1, 'seed': 0, 'num_images': 6, 'safety_checker': true, 'cfg': 5},"
                    + " 'vae': '', 'textual_inversion': ''}"),
            json(
                "{'base_model': 'm', 'prompt': 'p', 'task_config': {'cfg': 5.0, 'image_width': 512.0,"
                    + " 'steps': 1.00, 'seed': 0e3, 'num_images': 6E0}}")),
        List.of(
            minimalWith(
                "'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'preprocess': {'method': 'canny'}}"),
            minimalWith(
                "'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE', 'weight': 70, 'variant': null,"
                    + " 'preprocess': {'method': 'canny', 'args': {'low_threshold': 100}}}"),
            minimalWith(
                "'controlnet': {'model': 'c', 'image_dataurl': 'IMAGE',"
                    + " 'preprocess': {'method': 'canny', 'args': {'high_threshold': 200, 'low_threshold': 100}}}")),
        List.of(
            minimalWith(
                "'scheduler': {'method': 'LCMScheduler', 'args': {'beta_start': 0.001, 'beta_end': 1}}"),
            minimalWith(
                "'scheduler': {'method': 'LCMScheduler', 'args': {'beta_end': 1.0, 'beta_start': 1e-3,"
                    + " 'timestep_spacing': null}}"),
            minimalWith(
                "'scheduler': {'method': 'LCMScheduler', 'args': {'beta_end': 10e-1, 'beta_start': 0.0010}}")));
  }

  @ParameterizedTest
  @MethodSource("sameTasks")
  void hashIgnoresKeyOrderWhitespaceDefaultsAndNumberSpelling(List<String> variants)
      throws Exception {
    String canonical = parse(variants.getFirst()).canonicalJson();
    String hash = parse(variants.getFirst()).hash();
    for (String variant : variants) {
      assertThat(parse(variant).canonicalJson()).as(variant).isEqualTo(canonical);
      assertThat(parse(variant).hash()).as(variant).isEqualTo(hash);
    }
  }

  static Stream<String> changedTasks() {
    return Stream.of(
        json("{'base_model': 'm', 'prompt': 'q', 'task_config': {}}"),
        json("{'base_model': 'm', 'prompt': 'p ', 'task_config': {}}"),
        json("{'base_model': 'M', 'prompt': 'p', 'task_config': {}}"),
        json("{'base_model': {'name': 'm', 'variant': 'fp16'}, 'prompt': 'p', 'task_config': {}}"),
        json("{'base_model': {'name': 'm', 'variant': ''}, 'prompt': 'p', 'task_config': {}}"),
        json("{'base_model': 'm', 'prompt': 'p', 'task_config': {'seed': 1}}"),
        json("{'base_model': 'm', 'prompt': 'p', 'task_config': {'cfg': 5.5}}"),
        json("{'base_model': 'm', 'prompt': 'p', 'task_config': {'cfg': 5.000000001}}"),
        json("{'base_model': 'm', 'prompt': 'p', 'task_config': {'safety_checker': false}}"),
        minimalWith("'negative_prompt': 'n'"),
        minimalWith("'version': '3.0.0'"),
        minimalWith("'scheduler': {'method': 'LCMScheduler'}"),
        minimalWith(
            "'scheduler': {'method': 'DPMSolverMultistepScheduler', 'args': {'use_karras_sigmas': false}}"),
        minimalWith("'lora': {'model': 'l'}"),
        minimalWith("'refiner': {'model': 'r'}"));
  }

  @ParameterizedTest
  @MethodSource("changedTasks")
  void hashChangesWithAnyValue(String changed) throws Exception {
    assertThat(parse(changed).hash()).isNotEqualTo(parse(TestTasks.MINIMAL).hash());
  }

  @ParameterizedTest
  @MethodSource("network.hydrogen.task.TestTasks#exampleFiles")
  void canonicalFormIsAFixedPoint(Path file) throws Exception {
    ValidTask task = Tasks.parse(Files.readAllBytes(file));
    ValidTask again = Tasks.parse(task.canonicalBytes());
    assertThat(again.canonicalJson()).isEqualTo(task.canonicalJson());
    assertThat(again.args()).isEqualTo(task.args());
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "-0.0, 0",
    "7.0, 7",
    "100, 100",
    "4.5, 4.5",
    "0.002, 0.002",
    "0.000001, 0.000001",
    "1e-7, 1e-7",
    "-1.5e-10, -1.5e-10",
    "333333333.3333333, 333333333.3333333",
    "9007199254740992, 9007199254740992",
    "295147905179352830000, 295147905179352830000",
    "1e21, 1e+21",
    "1e23, 1e+23",
    "5e-324, 5e-324",
    "1.7976931348623157e308, 1.7976931348623157e+308",
    "0.1, 0.1",
    "0.30000000000000004, 0.30000000000000004",
  })
  void numbersAreWrittenAsEcmaScriptDoes(double value, String expected) {
    assertThat(CanonicalJson.number(value)).isEqualTo(expected);
  }

  @Test
  void stringsUseMinimalEscapes() {
    assertThat(CanonicalJson.string("a\"b\\c/\u00e9\u20ac\n\t\r\b\f\u0007\u001f\u2028"))
        .isEqualTo("\"a\\\"b\\\\c/\u00e9\u20ac\\n\\t\\r\\b\\f\\u0007\\u001f\u2028\"");
  }

  @Test
  void canonicalBytesAreUtf8() throws Exception {
    ValidTask task =
        parse(
            json("{'base_model': 'm', 'prompt': 'renard \u00e9\ud83e\udd8a', 'task_config': {}}"));
    assertThat(new String(task.canonicalBytes(), StandardCharsets.UTF_8))
        .contains("renard \u00e9\ud83e\udd8a");
    assertThat(task.canonicalBytes()).hasSize(task.canonicalJson().length() + 1 + 2);
  }
}
