package network.hydrogen.engine.scheduler;

/** The check every method makes on the requested number of steps. */
final class Steps {

  private Steps() {}

  static void check(String method, int steps, int trainSteps) {
    if (steps < 1 || steps > trainSteps) {
      throw new IllegalArgumentException(
          method + " needs from 1 to " + trainSteps + " steps, got " + steps);
    }
  }
}
