package network.hydrogen.engine.image;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Arrays that tools/annotators/make_opencv_reference.py computed with OpenCV: records of one header
 * line ({@code name key=value ... dtype=u8|f32|i32 shape=d0,d1,...}) and raw little-endian samples,
 * or for exact outputs ({@code stored=sha256}) their SHA-256, gzipped.
 */
public record OpenCvReference(String name, Map<String, String> params, int[] shape, byte[] raw) {

  public static final Path DIR = Path.of("src/test/resources/opencv");

  /** All records of {@code group}.bin.gz, by name, in file order. */
  public static Map<String, OpenCvReference> read(String group) throws IOException {
    Map<String, OpenCvReference> records = new LinkedHashMap<>();
    try (InputStream in =
        new DataInputStream(
            new GZIPInputStream(Files.newInputStream(DIR.resolve(group + ".bin.gz"))))) {
      while (true) {
        String header = line(in);
        if (header == null) {
          return records;
        }
        String[] fields = header.split(" ");
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 1; i < fields.length; i++) {
          int eq = fields[i].indexOf('=');
          params.put(fields[i].substring(0, eq), fields[i].substring(eq + 1));
        }
        String[] dims = params.get("shape").split(",");
        int[] shape = new int[dims.length];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
          shape[i] = dims[i].isEmpty() ? 0 : Integer.parseInt(dims[i]);
          count *= shape[i];
        }
        int size =
            switch (params.get("dtype")) {
              case "u8" -> 1;
              case "f64" -> 8;
              default -> 4;
            };
        long length = "sha256".equals(params.get("stored")) ? 32 : count * size;
        byte[] raw = in.readNBytes((int) length);
        if (raw.length != length) {
          throw new EOFException("record " + fields[0] + " is cut short");
        }
        records.put(fields[0], new OpenCvReference(fields[0], params, shape, raw));
      }
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        return bytes.size() == 0 ? null : bytes.toString();
      }
      bytes.write(b);
    }
    return bytes.toString();
  }

  public String param(String key) {
    String value = params.get(key);
    if (value == null) {
      throw new IllegalArgumentException(name + " has no " + key);
    }
    return value;
  }

  public int height() {
    return shape[0];
  }

  public int width() {
    return shape.length > 1 ? shape[1] : 1;
  }

  public int channels() {
    return shape.length > 2 ? shape[2] : 1;
  }

  public byte[] bytes() {
    return raw;
  }

  public float[] floats() {
    float[] values = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  public double[] doubles() {
    double[] values = new double[raw.length / 8];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
    return values;
  }

  public int[] ints() {
    int[] values = new int[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
    return values;
  }

  /** Whether {@code samples} (little-endian) are this record's array, exactly. */
  public boolean matches(byte[] samples) {
    if (!"sha256".equals(params.get("stored"))) {
      return Arrays.equals(samples, raw);
    }
    try {
      return Arrays.equals(MessageDigest.getInstance("SHA-256").digest(samples), raw);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code samples} are this record's array, exactly. */
  public boolean matches(float[] samples) {
    ByteBuffer buffer = ByteBuffer.allocate(4 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(samples);
    return matches(buffer.array());
  }

  public boolean isFloat() {
    return params.get("dtype").equals("f32");
  }

  /** Names of the records whose name starts with {@code prefix}. */
  public static List<String> named(Map<String, OpenCvReference> records, String prefix) {
    List<String> names = new ArrayList<>();
    for (String name : records.keySet()) {
      if (name.startsWith(prefix)) {
        names.add(name);
      }
    }
    return names;
  }
}
