import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.UNet;
import network.hydrogen.engine.graph.UNetConfig;
import network.hydrogen.engine.model.SafeTensorsFile;
import network.hydrogen.engine.model.WeightSource;

/**
 * Times one UNet call (batch 2, as with classifier-free guidance) of the engine's graph against the
 * ONNX file diffusers' exporter made of the same weights (see export_benchmark_unet.py), on the
 * same ONNX Runtime with the same settings, alternating the two (the fastest call is the least
 * disturbed by other load), and reports their largest output difference.
 *
 * <p>Usage: java -cp engine-classes:deps UNetBenchmark.java DIR THREADS ROUNDS [LATENT_SIZE]
 */
public class UNetBenchmark {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int size = args.length > 3 ? Integer.parseInt(args[3]) : 64;

    Random random = new Random(1);
    float[] sample = new float[2 * 4 * size * size];
    float[] context = new float[2 * 77 * 768];
    for (int i = 0; i < sample.length; i++) sample[i] = (float) random.nextGaussian();
    for (int i = 0; i < context.length; i++) context[i] = (float) random.nextGaussian();
    float[] timesteps = {801, 801};
    long[] sampleShape = {2, 4, size, size};
    long[] contextShape = {2, 77, 768};

    UNetConfig config = UNetConfig.read(dir.resolve("unet/config.json"));
    WeightSource weights =
        WeightSource.of(
            List.of(SafeTensorsFile.open(dir.resolve("unet/diffusion_pytorch_model.safetensors"))));
    long start = System.nanoTime();
    UNet engine = UNet.create(config, weights, new InferenceOptions(threads));
    System.out.printf("engine session: %.1f s%n", (System.nanoTime() - start) / 1e9);

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    options.setIntraOpNumThreads(threads);
    start = System.nanoTime();
    OrtSession exported = env.createSession(dir.resolve("unet.onnx").toString(), options);
    System.out.printf("exported session: %.1f s%n", (System.nanoTime() - start) / 1e9);

    double[] engineTimes = new double[rounds];
    double[] exportedTimes = new double[rounds];
    float[] engineOut = null;
    float[] exportedOut = null;
    for (int round = 0; round <= rounds; round++) {
      long t0 = System.nanoTime();
      engineOut =
          engine
              .predict(
                  new FloatTensor(sampleShape, sample),
                  timesteps,
                  new FloatTensor(contextShape, context))
              .values();
      long t1 = System.nanoTime();
      try (OnnxTensor s = OnnxTensor.createTensor(env, FloatBuffer.wrap(sample), sampleShape);
          OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(timesteps), new long[] {2});
          OnnxTensor c = OnnxTensor.createTensor(env, FloatBuffer.wrap(context), contextShape);
          OrtSession.Result r =
              exported.run(Map.of("sample", s, "timestep", t, "encoder_hidden_states", c))) {
        FloatBuffer buffer = ((OnnxTensor) r.get(0)).getFloatBuffer();
        exportedOut = new float[buffer.remaining()];
        buffer.get(exportedOut);
      }
      long t2 = System.nanoTime();
      if (round > 0) { // round 0 warms up
        engineTimes[round - 1] = (t1 - t0) / 1e9;
        exportedTimes[round - 1] = (t2 - t1) / 1e9;
      }
      System.out.printf(
          "round %d: engine %.3f s, exported %.3f s%n", round, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
    float maxRef = 0;
    float maxErr = 0;
    for (int i = 0; i < exportedOut.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(exportedOut[i]));
      maxErr = Math.max(maxErr, Math.abs(exportedOut[i] - engineOut[i]));
    }
    java.util.Arrays.sort(engineTimes);
    java.util.Arrays.sort(exportedTimes);
    System.out.printf(
        "over %d rounds: engine min %.3f s median %.3f s; exported min %.3f s median %.3f s;"
            + " min ratio %.3f; max |diff| %.3g (max |out| %.3g)%n",
        rounds,
        engineTimes[0],
        engineTimes[rounds / 2],
        exportedTimes[0],
        exportedTimes[rounds / 2],
        engineTimes[0] / exportedTimes[0],
        maxErr,
        maxRef);
    engine.close();
    exported.close();
  }
}
