package network.hydrogen.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.web3j.crypto.Credentials;

/**
 * A client of the relay for the other modules: the creator uploads args and downloads images, a
 * selected node reads args, the result node uploads images. Each request is signed with the
 * wallet's key; image bodies are streamed from and to files.
 */
public final class RelayClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI base;
  private final Credentials wallet;
  private final HttpClient http;

  public RelayClient(URI base, Credentials wallet) {
    this.base = base;
    this.wallet = wallet;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** Uploads a task's args JSON (the creator). */
  public void uploadArgs(BigInteger taskId, String taskArgsJson) throws IOException {
    byte[] body =
        JSON.writeValueAsBytes(Map.of("task_id", taskId.toString(), "task_args", taskArgsJson));
    String path = "/v1/inference_tasks";
    HttpRequest request =
        signed(path, "POST", Keccak.of(body))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Reads a task's args as canonical JSON (a selected node). */
  public String readArgs(BigInteger taskId) throws IOException {
    String path = "/v1/inference_tasks/" + taskId;
    return send(
            signed(path, "GET", Keccak.of(new byte[0])).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Uploads the result images in order (the result node); the files are streamed. */
  public void uploadResults(BigInteger taskId, List<Path> images) throws IOException {
    ByteArrayOutputStream hashes = new ByteArrayOutputStream();
    for (Path image : images) {
      try (InputStream in = Files.newInputStream(image)) {
        hashes.write(Keccak.copy(in, OutputStream.nullOutputStream(), Long.MAX_VALUE, "image"));
      }
    }
    String boundary = "hydrogen-" + UUID.randomUUID();
    List<HttpRequest.BodyPublisher> parts = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      String head =
          "--"
              + boundary
              + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\""
              + i
              + ".png\"\r\nContent-Type: image/png\r\n\r\n";
      parts.add(HttpRequest.BodyPublishers.ofString(head, StandardCharsets.UTF_8));
      parts.add(HttpRequest.BodyPublishers.ofFile(images.get(i)));
      parts.add(HttpRequest.BodyPublishers.ofString("\r\n"));
    }
    parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "--\r\n"));
    String path = "/v1/inference_tasks/" + taskId + "/results";
    HttpRequest request =
        signed(path, "POST", Keccak.of(hashes.toByteArray()))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(
                HttpRequest.BodyPublishers.concat(parts.toArray(HttpRequest.BodyPublisher[]::new)))
            .build();
    send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Downloads one result image to a file (the creator), streamed. */
  public void downloadResult(BigInteger taskId, int imageNum, Path target) throws IOException {
    String path = "/v1/inference_tasks/" + taskId + "/results/" + imageNum;
    HttpResponse<InputStream> response =
        send(
            signed(path, "GET", Keccak.of(new byte[0])).GET().build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private HttpRequest.Builder signed(String path, String method, byte[] contentHash) {
    long ts = RequestSignature.now();
    String nonce = RequestSignature.newNonce();
    return HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofMinutes(5))
        .header(RequestSignature.TIMESTAMP_HEADER, Long.toString(ts))
        .header(RequestSignature.NONCE_HEADER, nonce)
        .header(
            RequestSignature.SIGNATURE_HEADER,
            RequestSignature.sign(wallet, method, path, ts, nonce, contentHash));
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    HttpResponse<T> response;
    try {
      response = http.send(request, handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + request.uri(), e);
    }
    if (response.statusCode() >= 300) {
      String detail;
      if (response.body() instanceof InputStream in) {
        try (in) {
          detail = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        }
      } else {
        detail = String.valueOf(response.body());
      }
      String error = detail;
      try {
        error = JSON.readTree(detail).path("error").asText(detail);
      } catch (IOException e) {
        // not the relay's JSON error: keep the raw text
      }
      throw new RelayException(
          response.statusCode(),
          request.method()
              + " "
              + request.uri().getPath()
              + ": "
              + response.statusCode()
              + " "
              + error);
    }
    return response;
  }
}
