package network.hydrogen.node;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the GPU a node declares: the first one nvidia-smi lists (name and memory), else the CPU
 * with the machine's RAM (the engine then runs on the CPU).
 */
final class GpuDetector {
  private GpuDetector() {}

  static NodeSnapshot.Gpu detect() {
    try {
      Process p =
          new ProcessBuilder(
                  "nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
        List<String> lines = out.strip().lines().toList();
        if (!lines.isEmpty()) {
          NodeSnapshot.Gpu gpu = parse(lines.getFirst());
          if (gpu != null) {
            return gpu;
          }
        }
      }
    } catch (IOException e) {
      // no nvidia-smi: no NVIDIA GPU to use
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long ram =
        ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    return new NodeSnapshot.Gpu("CPU", ram);
  }

  /** One line of nvidia-smi's CSV: {@code NVIDIA H100 80GB HBM3, 81559} (MiB); null if not. */
  static NodeSnapshot.Gpu parse(String line) {
    int comma = line.lastIndexOf(',');
    if (comma <= 0) {
      return null;
    }
    try {
      long mib = Long.parseLong(line.substring(comma + 1).strip());
      String name = line.substring(0, comma).strip();
      return name.isEmpty() || mib <= 0 ? null : new NodeSnapshot.Gpu(name, mib << 20);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
