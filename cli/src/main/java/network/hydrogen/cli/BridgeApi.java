package network.hydrogen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A client of the bridge's inference API, as an application uses it (the devnet's smoke test). */
final class BridgeApi {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration POLL = Duration.ofMillis(200);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final URI base;
  private final String key;

  BridgeApi(URI base, String key) {
    this.base = base;
    this.key = key;
  }

  /** Submits a task (its JSON) and returns its id. */
  String submit(String taskJson) throws IOException, InterruptedException {
    return send(request("v1/tasks")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(taskJson)))
        .get("id")
        .asText();
  }

  /** The task's status document. */
  JsonNode status(String id) throws IOException, InterruptedException {
    return send(request("v1/tasks/" + id).GET());
  }

  /** Every task of this key, newest first. */
  JsonNode list() throws IOException, InterruptedException {
    return send(request("v1/tasks").GET()).get("tasks");
  }

  /**
   * Waits until the task ends (succeeded, failed, aborted or cancelled) and returns its status.
   *
   * @throws IOException when it has not ended within {@code limit}
   */
  JsonNode await(String id, Duration limit) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    JsonNode status = status(id);
    while (!ended(status)) {
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "task " + id + " has not ended after " + limit + "; it is " + status.get("status"));
      }
      Thread.sleep(POLL.toMillis());
      status = status(id);
    }
    return status;
  }

  /** The task's image {@code n} (PNG bytes). */
  byte[] image(String id, int n) throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        http.send(
            request("v1/tasks/" + id + "/images/" + n).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException(
          "image " + n + " of task " + id + ": the bridge answered " + response.statusCode());
    }
    return response.body();
  }

  static boolean ended(JsonNode status) {
    return switch (status.path("status").asText()) {
      case "succeeded", "failed", "aborted", "cancelled" -> true;
      default -> false;
    };
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key);
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      throw new IOException(
          "the bridge answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }
}
