package network.hydrogen.engine.graph;

/**
 * Whether a pipeline keeps all its networks loaded, or loads each only for its stage. SDXL's fp32
 * weights alone are 13 GiB; with text encoders, UNet and VAE resident at once they do not fit a 16
 * or 24 GiB machine, while one network at a time does.
 */
public enum MemoryMode {
  /** Sequential when the weights would not fit the memory available, else resident. */
  AUTO,
  /** Every network opened when the pipeline loads and kept open until it closes. */
  RESIDENT,
  /**
   * Each network opened when its stage begins and closed when it ends (text encoders, then the UNet
   * and ControlNet, then the VAE): slower per image, since sessions are opened anew each time, but
   * the peak is the largest network rather than all of them.
   */
  SEQUENTIAL
}
