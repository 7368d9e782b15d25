package network.hydrogen.engine.embedding;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.Tensor;

/**
 * Reads tensors out of a torch zip checkpoint ({@code torch.save}'s format: {@code <name>/data.pkl}
 * and one file per storage under {@code <name>/data/}) without unpickling it: the pickle opcodes
 * are interpreted as plain data, a global is only its name ({@link Global}), a call only the callee
 * and its arguments ({@link Call}); nothing is imported or run. Tensors are then recognised by the
 * shape of the data ({@code torch._utils._rebuild_tensor_v2} on a persistent storage reference) and
 * read from the storage files.
 */
final class TorchPickle {

  /** A global the pickle names ({@code module.name}); never resolved. */
  record Global(String module, String name) {}

  /** A call the pickle would make; never made. */
  record Call(Global callee, List<Object> args) {}

  /** A persistent id (torch's storage reference). */
  record Persistent(Object id) {}

  private static final Object MARK = new Object();

  private static final Map<String, DType> STORAGES =
      Map.of(
          "FloatStorage", DType.F32,
          "HalfStorage", DType.F16,
          "BFloat16Storage", DType.BF16,
          "DoubleStorage", DType.F64);

  private final Path file;
  private final ZipFile zip;
  private final String prefix;

  private TorchPickle(Path file, ZipFile zip, String prefix) {
    this.file = file;
    this.zip = zip;
    this.prefix = prefix;
  }

  /**
   * Reads the pickle of {@code file} as data and hands it with a tensor reader to {@code reader}.
   *
   * @throws ModelFormatException when the file is no torch zip checkpoint or uses opcodes outside
   *     the plain-data subset
   */
  static <T> T read(Path file, Reader<T> reader) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry pickle =
          zip.stream()
              .filter(e -> e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ModelFormatException(
                          file, "is no torch zip checkpoint: it has no data.pkl"));
      String name = pickle.getName();
      TorchPickle torch = new TorchPickle(file, zip, name.substring(0, name.length() - 8));
      byte[] bytes;
      try (var in = zip.getInputStream(pickle)) {
        bytes = in.readAllBytes();
      }
      Object root;
      try {
        root = torch.parse(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
      } catch (BufferUnderflowException | ClassCastException e) {
        throw new ModelFormatException(file, "has a malformed pickle: " + e);
      }
      return reader.read(root, torch);
    } catch (java.util.zip.ZipException e) {
      throw new ModelFormatException(file, "is no torch zip checkpoint: " + e.getMessage());
    }
  }

  /** What to take from a parsed pickle. */
  interface Reader<T> {
    T read(Object root, TorchPickle pickle) throws IOException;
  }

  /**
   * The tensor that {@code value} rebuilds: {@code _rebuild_tensor_v2(storage, offset, size,
   * stride, ...)}, possibly wrapped in {@code _rebuild_parameter}.
   *
   * @throws ModelFormatException when it is no such call or the tensor is not contiguous
   */
  Tensor tensor(Object value, String what) throws IOException {
    if (value instanceof Call call
        && call.callee().name().equals("_rebuild_parameter")
        && !call.args().isEmpty()) {
      return tensor(call.args().getFirst(), what);
    }
    if (!(value instanceof Call call)
        || !call.callee().equals(new Global("torch._utils", "_rebuild_tensor_v2"))
        || call.args().size() < 4
        || !(call.args().get(0) instanceof Persistent storage)
        || !(storage.id() instanceof List<?> id)
        || id.size() < 5
        || !(id.get(1) instanceof Global type)
        || !STORAGES.containsKey(type.name())) {
      throw new ModelFormatException(file, what + " is no torch tensor of a float storage");
    }
    DType dtype = STORAGES.get(type.name());
    long offset = ((Number) call.args().get(1)).longValue();
    long[] shape = longs(call.args().get(2));
    long[] stride = longs(call.args().get(3));
    long expected = 1;
    long count = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        throw new ModelFormatException(file, what + " is not a contiguous tensor");
      }
      expected *= shape[i];
      count *= shape[i];
    }
    ZipEntry data = zip.getEntry(prefix + "data/" + id.get(2));
    if (data == null) {
      throw new ModelFormatException(file, "has no storage " + id.get(2) + " for " + what);
    }
    byte[] bytes;
    try (var in = zip.getInputStream(data)) {
      bytes = in.readAllBytes();
    }
    int start = Math.toIntExact(offset * dtype.byteSize());
    int length = Math.toIntExact(count * dtype.byteSize());
    if (start + length > bytes.length) {
      throw new ModelFormatException(file, "storage " + id.get(2) + " is too short for " + what);
    }
    return new Tensor(what, dtype, shape, ByteBuffer.wrap(bytes, start, length).slice());
  }

  private long[] longs(Object tuple) {
    if (!(tuple instanceof List<?> list)) {
      throw new ModelFormatException(file, "has a tensor size or stride that is no tuple");
    }
    return list.stream().mapToLong(v -> ((Number) v).longValue()).toArray();
  }

  private Object parse(ByteBuffer in) {
    List<Object> stack = new ArrayList<>();
    Map<Integer, Object> memo = new HashMap<>();
    while (in.hasRemaining()) {
      int at = in.position();
      int op = in.get() & 0xff;
      switch (op) {
        case 0x80 -> in.get(); // PROTO
        case 0x95 -> in.getLong(); // FRAME
        case '.' -> {
          return pop(stack);
        }
        case '}' -> stack.add(new LinkedHashMap<>());
        case ']' -> stack.add(new ArrayList<>());
        case ')' -> stack.add(List.of());
        case '(' -> stack.add(MARK);
        case 'N' -> stack.add(null);
        case 0x88 -> stack.add(Boolean.TRUE);
        case 0x89 -> stack.add(Boolean.FALSE);
        case 'K' -> stack.add(in.get() & 0xff);
        case 'M' -> stack.add(in.getShort() & 0xffff);
        case 'J' -> stack.add(in.getInt());
        case 0x8a -> stack.add(long1(in));
        case 'G' -> stack.add(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));
        case 'X' -> stack.add(string(in, in.getInt()));
        case 0x8c -> stack.add(string(in, in.get() & 0xff));
        case 'q' -> memo.put(in.get() & 0xff, peek(stack));
        case 'r' -> memo.put(in.getInt(), peek(stack));
        case 0x94 -> memo.put(memo.size(), peek(stack));
        case 'h' -> stack.add(memo.get(in.get() & 0xff));
        case 'j' -> stack.add(memo.get(in.getInt()));
        case 'c' -> stack.add(new Global(line(in), line(in)));
        case 0x93 -> {
          String name = (String) pop(stack);
          stack.add(new Global((String) pop(stack), name));
        }
        case 't' -> stack.add(Collections.unmodifiableList(popToMark(stack)));
        case 0x85 -> stack.add(tuple(stack, 1));
        case 0x86 -> stack.add(tuple(stack, 2));
        case 0x87 -> stack.add(tuple(stack, 3));
        case 'a' -> {
          Object value = pop(stack);
          list(peek(stack), at).add(value);
        }
        case 'e' -> {
          List<Object> values = popToMark(stack);
          list(peek(stack), at).addAll(values);
        }
        case 's' -> {
          Object value = pop(stack);
          Object key = pop(stack);
          dict(peek(stack), at).put(key, value);
        }
        case 'u' -> {
          List<Object> items = popToMark(stack);
          Map<Object, Object> dict = dict(peek(stack), at);
          for (int i = 0; i + 1 < items.size(); i += 2) {
            dict.put(items.get(i), items.get(i + 1));
          }
        }
        case 'R' -> {
          Object args = pop(stack);
          Object callee = pop(stack);
          stack.add(call(callee, args, at));
        }
        case 'Q' -> stack.add(new Persistent(pop(stack)));
        case 'b' -> pop(stack); // BUILD: the state of an object that stays symbolic
        default ->
            throw new ModelFormatException(
                file,
                String.format(
                    "uses pickle opcode 0x%02x at byte %d, outside the plain-data subset the"
                        + " engine reads",
                    op, at));
      }
    }
    throw new ModelFormatException(file, "has a pickle without STOP");
  }

  /** An OrderedDict() becomes a map (data); any other call stays symbolic. */
  private Object call(Object callee, Object args, int at) {
    if (!(callee instanceof Global global) || !(args instanceof List<?> list)) {
      throw new ModelFormatException(file, "calls a non-global at pickle byte " + at);
    }
    if (global.equals(new Global("collections", "OrderedDict")) && list.isEmpty()) {
      return new LinkedHashMap<>();
    }
    return new Call(global, Collections.unmodifiableList(new ArrayList<>(list)));
  }

  private static Object long1(ByteBuffer in) {
    int length = in.get() & 0xff;
    long value = 0;
    for (int i = 0; i < length; i++) {
      value |= (in.get() & 0xffL) << (8 * i);
    }
    if (length > 0 && length < 8 && (value >> (8 * length - 1) & 1) == 1) {
      value -= 1L << (8 * length);
    }
    return value;
  }

  private static String string(ByteBuffer in, int length) {
    byte[] bytes = new byte[length];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static String line(ByteBuffer in) {
    StringBuilder out = new StringBuilder();
    byte b;
    while ((b = in.get()) != '\n') {
      out.append((char) b);
    }
    return out.toString();
  }

  private static List<Object> tuple(List<Object> stack, int size) {
    List<Object> items = new ArrayList<>(stack.subList(stack.size() - size, stack.size()));
    stack.subList(stack.size() - size, stack.size()).clear();
    return Collections.unmodifiableList(items);
  }

  private List<Object> popToMark(List<Object> stack) {
    int mark = stack.lastIndexOf(MARK);
    if (mark < 0) {
      throw new ModelFormatException(file, "has a pickle without the MARK a tuple needs");
    }
    List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
    stack.subList(mark, stack.size()).clear();
    return items;
  }

  private Object pop(List<Object> stack) {
    if (stack.isEmpty()) {
      throw new ModelFormatException(file, "has a pickle that pops an empty stack");
    }
    return stack.removeLast();
  }

  private Object peek(List<Object> stack) {
    if (stack.isEmpty()) {
      throw new ModelFormatException(file, "has a pickle that reads an empty stack");
    }
    return stack.getLast();
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object value, int at) {
    if (value instanceof ArrayList<?> list) {
      return (List<Object>) list;
    }
    throw new ModelFormatException(file, "appends to a non-list at pickle byte " + at);
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(Object value, int at) {
    if (value instanceof LinkedHashMap<?, ?> map) {
      return (Map<Object, Object>) map;
    }
    throw new ModelFormatException(file, "sets an item of a non-dict at pickle byte " + at);
  }
}
