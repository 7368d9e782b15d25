package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtProvider;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProviderPlanTest {

  private static final Set<OrtProvider> CPU_ONLY = EnumSet.of(OrtProvider.CPU);
  private static final Set<OrtProvider> GPU_BUILD =
      EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA, OrtProvider.TENSOR_RT);

  private static InferenceOptions options(ExecutionProvider provider, Precision precision) {
    return new InferenceOptions(1, provider, 0, precision);
  }

  @Test
  void autoOnACpuOnlyBuildRunsOnTheCpuAndSaysWhy() {
    ProviderPlan plan = ProviderPlan.of(InferenceOptions.defaults(), CPU_ONLY);

    assertThat(plan.choices()).containsExactly(ProviderChoice.CPU);
    assertThat(plan.automatic()).isTrue();
    assertThat(plan.reason()).contains("CPUExecutionProvider", "no GPU provider", "-Pgpu");
  }

  @Test
  void autoOnAGpuBuildTriesTensorRtInFp16WithCudaBehindItThenCudaThenTheCpu() {
    ProviderPlan plan =
        ProviderPlan.of(
            new InferenceOptions(0, ExecutionProvider.AUTO, 1, Precision.AUTO), GPU_BUILD);

    assertThat(plan.choices())
        .containsExactly(
            new ProviderChoice(ExecutionProvider.TENSORRT, 1, true, true),
            new ProviderChoice(ExecutionProvider.CUDA, 1, true, false),
            ProviderChoice.CPU);
    assertThat(plan.reason()).contains("TensorrtExecutionProvider", "CUDAExecutionProvider");
  }

  @Test
  void autoWithCudaButNoTensorRtPrefersCudaWithTf32() {
    ProviderPlan plan =
        ProviderPlan.of(InferenceOptions.defaults(), EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA));

    assertThat(plan.choices())
        .containsExactly(
            new ProviderChoice(ExecutionProvider.CUDA, 0, true, false), ProviderChoice.CPU);
  }

  @Test
  void fp32TurnsOffTensorRtFp16AndCudaTf32() {
    ProviderPlan tensorRt =
        ProviderPlan.of(options(ExecutionProvider.TENSORRT, Precision.FP32), GPU_BUILD);
    ProviderPlan cuda = ProviderPlan.of(options(ExecutionProvider.CUDA, Precision.FP32), GPU_BUILD);
    ProviderPlan auto = ProviderPlan.of(options(ExecutionProvider.AUTO, Precision.FP32), GPU_BUILD);

    assertThat(tensorRt.choices())
        .containsExactly(new ProviderChoice(ExecutionProvider.TENSORRT, 0, false, true));
    assertThat(tensorRt.automatic()).isFalse();
    assertThat(cuda.choices())
        .containsExactly(new ProviderChoice(ExecutionProvider.CUDA, 0, false, false));
    assertThat(auto.choices())
        .containsExactly(
            new ProviderChoice(ExecutionProvider.TENSORRT, 0, false, true),
            new ProviderChoice(ExecutionProvider.CUDA, 0, false, false),
            ProviderChoice.CPU);
  }

  @Test
  void choicesDescribeThemselvesForTheLog() {
    assertThat(new ProviderChoice(ExecutionProvider.TENSORRT, 1, true, true))
        .hasToString(
            "TensorRT on GPU 1 (fp16 layers allowed, CUDA for the nodes TensorRT does not take)");
    assertThat(new ProviderChoice(ExecutionProvider.CUDA, 0, false, false))
        .hasToString("CUDA on GPU 0 (fp32)");
    assertThat(ProviderChoice.CPU).hasToString("the CPU (fp32)");
  }

  @Test
  void autoWithFp16HasNoFallbackThatWouldComputeInFp32() {
    ProviderPlan plan = ProviderPlan.of(options(ExecutionProvider.AUTO, Precision.FP16), GPU_BUILD);

    assertThat(plan.choices())
        .containsExactly(new ProviderChoice(ExecutionProvider.TENSORRT, 0, true, true));
  }

  @Test
  void aRequestedProviderIsTheOnlyChoice() {
    ProviderPlan plan = ProviderPlan.of(options(ExecutionProvider.CPU, Precision.AUTO), GPU_BUILD);

    assertThat(plan.choices()).containsExactly(ProviderChoice.CPU);
    assertThat(plan.automatic()).isFalse();
  }

  @Test
  void cudaRequestedOnACpuOnlyBuildSaysWhatIsMissing() {
    assertThatThrownBy(
            () -> ProviderPlan.of(options(ExecutionProvider.CUDA, Precision.AUTO), CPU_ONLY))
        .isInstanceOf(InferenceException.class)
        .hasMessage(
            "CUDA was requested but this ONNX Runtime build has CPUExecutionProvider and no CUDA"
                + " provider: build with -Pgpu (onnxruntime_gpu) to run on a machine with CUDA 12"
                + " and cuDNN 9");
  }

  @Test
  void tensorRtRequestedWithoutItSaysTensorRtIsMissing() {
    assertThatThrownBy(
            () ->
                ProviderPlan.of(
                    options(ExecutionProvider.TENSORRT, Precision.AUTO),
                    EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA)))
        .isInstanceOf(InferenceException.class)
        .hasMessageStartingWith("TensorRT was requested")
        .hasMessageContaining("no TensorRT provider")
        .hasMessageContaining("TensorRT 10");
  }

  @Test
  void fp16IsRefusedWhereNothingComputesIt() {
    assertThatThrownBy(
            () -> ProviderPlan.of(options(ExecutionProvider.CPU, Precision.FP16), GPU_BUILD))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("CPU provider, which computes in fp32");
    assertThatThrownBy(
            () -> ProviderPlan.of(options(ExecutionProvider.CUDA, Precision.FP16), GPU_BUILD))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("fp16 runs on TensorRT");
    assertThatThrownBy(
            () -> ProviderPlan.of(options(ExecutionProvider.AUTO, Precision.FP16), CPU_ONLY))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("no TensorRT provider")
        .hasMessageContaining("-Pgpu");
  }

  @Test
  void optionsRefuseANegativeDevice() {
    assertThatThrownBy(() -> new InferenceOptions(0, ExecutionProvider.AUTO, -1, Precision.AUTO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deviceId");
  }
}
