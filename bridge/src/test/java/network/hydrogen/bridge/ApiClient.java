package network.hydrogen.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

/** The tests' HTTP client of a bridge: real requests to 127.0.0.1 with an API key. */
final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;
  private final String key;

  ApiClient(int port, String key) {
    this.base = URI.create("http://127.0.0.1:" + port);
    this.key = key;
  }

  ApiClient withKey(String other) {
    return new ApiClient(base.getPort(), other);
  }

  HttpResponse<String> post(String path, String body) throws IOException {
    return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> get(String path) throws IOException {
    return send(request(path).GET());
  }

  HttpResponse<String> delete(String path) throws IOException {
    return send(request(path).DELETE());
  }

  HttpResponse<byte[]> bytes(String path) throws IOException {
    return send(request(path).GET(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
    return send(request, HttpResponse.BodyHandlers.ofString());
  }

  private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body)
      throws IOException {
    try {
      return http.send(request.build(), body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    return key == null ? b : b.header("Authorization", "Bearer " + key);
  }

  /** Creates a task; returns its id (fails unless 202). */
  String create(String taskJson) throws IOException {
    HttpResponse<String> r = post("/v1/tasks", taskJson);
    if (r.statusCode() != 202) {
      throw new AssertionError("POST /v1/tasks: " + r.statusCode() + " " + r.body());
    }
    return json(r).path("id").asText();
  }

  JsonNode task(String id) throws IOException {
    HttpResponse<String> r = get("/v1/tasks/" + id);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET task " + id + ": " + r.statusCode() + " " + r.body());
    }
    return json(r);
  }

  /** Polls a task until {@code done} holds, failing after {@code timeout}. */
  JsonNode await(String id, Predicate<JsonNode> done, Duration timeout)
      throws IOException, InterruptedException {
    Instant end = Instant.now().plus(timeout);
    JsonNode t = task(id);
    while (!done.test(t)) {
      if (Instant.now().isAfter(end)) {
        throw new AssertionError("task " + id + " did not get there in " + timeout + ": " + t);
      }
      Thread.sleep(100);
      t = task(id);
    }
    return t;
  }

  /** Polls until the task has {@code status}; fails at once when it ends in another one. */
  JsonNode awaitStatus(String id, String status) throws IOException, InterruptedException {
    return await(
        id,
        t -> {
          String now = t.path("status").asText();
          if (!now.equals(status) && FINAL.contains(now)) {
            throw new AssertionError(
                "task " + id + " ended " + now + " instead of " + status + ": " + t);
          }
          return now.equals(status);
        },
        Duration.ofSeconds(60));
  }

  private static final java.util.Set<String> FINAL =
      java.util.Set.of("succeeded", "failed", "aborted", "cancelled");

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }
}
