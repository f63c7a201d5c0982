package dev.panllama.engine.gguf;

import dev.panllama.bindings.NativeLibrary;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.engine.InvalidModelFileException;
import dev.panllama.engine.InvalidModelFileException.Reason;
import dev.panllama.engine.nativeapi.CString;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file's header, metadata and tensor directory, read in Java before any native call sees the file.
 *
 * <p>llama.cpp's own reader trusts sizes in the header; a truncated or hostile file can make it read out of
 * bounds or assert. This reader bounds every length by the file size, checks each tensor's type and that
 * its data lies inside the file, and reports problems as {@link InvalidModelFileException}.
 *
 * @param path          the file
 * @param version       GGUF version (2 or 3)
 * @param metadata      key → value: Long for integers, Float for float32, Double for float64, Boolean, String, or
 *                      {@link ArrayValue} (the float width is kept: llama.cpp asserts the exact type it reads)
 * @param tensors       the tensor directory, in file order
 * @param dataOffset    where the aligned tensor data section starts
 * @param fileSize      bytes on disk
 */
public record GgufFile(Path path, int version, Map<String, Object> metadata, List<TensorInfo> tensors,
                       long dataOffset, long fileSize) {

    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    /** Arrays longer than this keep only their type and length: tokenizer tables can hold 150k strings. */
    private static final int ARRAY_VALUES_KEPT = 64;

    /** An array value; {@code values} is null when the array is longer than kept in memory. */
    public record ArrayValue(ValueType elementType, long length, List<Object> values) {}

    /** One tensor's directory entry; {@code offset} is relative to {@link #dataOffset()}. */
    public record TensorInfo(String name, long[] shape, int ggmlType, long offset, long byteSize) {
        public String typeName() {
            return CString.read(LlamaCpp.ggml_type_name(ggmlType));
        }

        /**
         * True for the types ggml can multiply by (F32, F16, BF16 and the quantized ones); ggml's CPU backend has no
         * matrix kernel for the integer types or F64 and crashes when a graph asks it for one.
         */
        public boolean multipliable() {
            return ggmlType == LlamaCpp.GGML_TYPE_F32() || ggmlType == LlamaCpp.GGML_TYPE_F16()
                    || ggmlType == LlamaCpp.GGML_TYPE_BF16() || LlamaCpp.ggml_is_quantized(ggmlType);
        }
    }

    /** GGUF value types, in the order of their numeric tags. */
    public enum ValueType { UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 }

    public String architecture() {
        return string("general.architecture");
    }

    public String string(String key) {
        return metadata.get(key) instanceof String s ? s : null;
    }

    public long integer(String key, long fallback) {
        return metadata.get(key) instanceof Long l ? l : fallback;
    }

    /** The architecture-scoped integer {@code <arch>.<suffix>}, e.g. {@code block_count}. */
    public long archInteger(String suffix, long fallback) {
        return integer(architecture() + "." + suffix, fallback);
    }

    /** Length of the array under {@code key}, or -1. */
    public long arrayLength(String key) {
        return metadata.get(key) instanceof ArrayValue a ? a.length() : -1;
    }

    /** True when the file carries only metadata (e.g. llama.cpp's ggml-vocab-*.gguf tokenizer files). */
    public boolean vocabOnly() {
        return tensors.isEmpty();
    }

    public long parameterCount() {
        long n = 0;
        for (TensorInfo t : tensors) {
            long e = 1;
            for (long d : t.shape()) {
                e *= d;
            }
            n += e;
        }
        return n;
    }

    /** Reads and validates the file's header and tensor directory. */
    public static GgufFile read(Path path) {
        checkPath(path);
        NativeLibrary.load(); // ggml's type table decides tensor sizes
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = channel.size();
            if (size < 4) {
                throw new InvalidModelFileException(path, Reason.NOT_GGUF, "not a GGUF file (only " + size + " bytes)");
            }
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new Reader(path, file).read();
        } catch (AccessDeniedException e) {
            throw new InvalidModelFileException(path, Reason.NOT_READABLE, "cannot be read (permission denied)");
        } catch (IOException e) {
            throw new InvalidModelFileException(path, Reason.NOT_READABLE, "cannot be read: " + e.getMessage());
        }
    }

    /** The checks every model path gets before anything opens it. */
    public static void checkPath(Path path) {
        if (Files.isDirectory(path)) {
            throw new InvalidModelFileException(path, Reason.DIRECTORY, "is a directory; pass the .gguf file inside it");
        }
        if (!Files.exists(path)) {
            throw new InvalidModelFileException(path, Reason.MISSING, "no such file");
        }
        if (!Files.isReadable(path)) {
            throw new InvalidModelFileException(path, Reason.NOT_READABLE, "cannot be read (permission denied)");
        }
    }

    private static final class Reader {
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final Path path;
        private final MemorySegment file;
        private long pos;

        Reader(Path path, MemorySegment file) {
            this.path = path;
            this.file = file;
        }

        GgufFile read() {
            if (file.get(U32, 0) != MAGIC) {
                throw new InvalidModelFileException(path, Reason.NOT_GGUF, "not a GGUF file (bad magic; expected 'GGUF')");
            }
            pos = 4;
            int version = u32();
            if (version < 2 || version > 3) {
                throw corrupt("unsupported GGUF version " + version + " (2 and 3 are supported)");
            }
            long tensorCount = count("tensor count", 8);
            long kvCount = count("metadata count", 8);
            Map<String, Object> metadata = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = string();
                metadata.put(key, value(type(), key));
            }
            List<TensorInfo> tensors = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                tensors.add(tensor());
            }
            long alignment = metadata.get("general.alignment") instanceof Long a ? a : 32;
            if (alignment <= 0 || Long.bitCount(alignment) != 1) {
                throw corrupt("general.alignment " + alignment + " is not a power of two");
            }
            long dataOffset = (pos + alignment - 1) / alignment * alignment;
            long dataEnd = dataOffset;
            for (TensorInfo t : tensors) {
                if (t.offset() % alignment != 0) {
                    throw corrupt("tensor " + t.name() + " data offset " + t.offset() + " is not aligned to " + alignment);
                }
                dataEnd = Math.max(dataEnd, dataOffset + t.offset() + t.byteSize());
            }
            if (!tensors.isEmpty() && dataEnd > file.byteSize()) {
                throw new InvalidModelFileException(path, Reason.TRUNCATED, "truncated: tensor data needs " + dataEnd
                        + " bytes but the file has " + file.byteSize() + " (re-download or re-convert it)");
            }
            return new GgufFile(path, version, Collections.unmodifiableMap(metadata), List.copyOf(tensors),
                    dataOffset, file.byteSize());
        }

        private TensorInfo tensor() {
            String name = string();
            int dims = u32();
            if (dims < 1 || dims > LlamaCpp.GGML_MAX_DIMS()) {
                throw corrupt("tensor " + name + " has " + dims + " dimensions");
            }
            long[] shape = new long[dims];
            long elements = 1;
            for (int d = 0; d < dims; d++) {
                shape[d] = u64();
                if (shape[d] <= 0 || shape[d] > file.byteSize() * 8) {
                    throw corrupt("tensor " + name + " has dimension " + d + " of " + shape[d]);
                }
                elements = Math.multiplyHigh(elements, shape[d]) != 0 ? Long.MAX_VALUE : elements * shape[d];
            }
            int type = u32();
            // ggml's type table has holes for removed types (block size 0): indexing them would divide by zero
            if (type < 0 || type >= LlamaCpp.GGML_TYPE_COUNT() || LlamaCpp.ggml_blck_size(type) == 0) {
                throw corrupt("tensor " + name + " has unknown ggml type " + type);
            }
            long block = LlamaCpp.ggml_blck_size(type);
            if (shape[0] % block != 0) {
                throw corrupt("tensor " + name + " row of " + shape[0] + " is not a multiple of its block size " + block);
            }
            long byteSize = elements == Long.MAX_VALUE ? Long.MAX_VALUE : elements / block * LlamaCpp.ggml_type_size(type);
            long offset = u64();
            if (offset < 0 || byteSize > file.byteSize()) {
                throw new InvalidModelFileException(path, Reason.TRUNCATED, "truncated: tensor " + name + " needs "
                        + byteSize + " bytes, more than the whole file");
            }
            return new TensorInfo(name, shape, type, offset, byteSize);
        }

        private ValueType type() {
            int tag = u32();
            if (tag < 0 || tag >= ValueType.values().length) {
                throw corrupt("unknown metadata value type " + tag + " at byte " + (pos - 4));
            }
            return ValueType.values()[tag];
        }

        private Object value(ValueType type, String key) {
            return switch (type) {
                case UINT8 -> (long) Byte.toUnsignedInt(bytes(1).get(ValueLayout.JAVA_BYTE, 0));
                case INT8 -> (long) bytes(1).get(ValueLayout.JAVA_BYTE, 0);
                case UINT16 -> (long) Short.toUnsignedInt(bytes(2).get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
                case INT16 -> (long) bytes(2).get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
                case UINT32 -> Integer.toUnsignedLong(u32());
                case INT32 -> (long) u32();
                case FLOAT32 -> Float.intBitsToFloat(u32());
                case BOOL -> bytes(1).get(ValueLayout.JAVA_BYTE, 0) != 0;
                case STRING -> string();
                case UINT64, INT64 -> u64();
                case FLOAT64 -> Double.longBitsToDouble(u64());
                case ARRAY -> array(key);
            };
        }

        private ArrayValue array(String key) {
            ValueType elementType = type();
            if (elementType == ValueType.ARRAY) {
                throw corrupt("nested arrays in " + key + " are not valid GGUF");
            }
            long length = count(key + " length", 1);
            List<Object> values = length <= ARRAY_VALUES_KEPT ? new ArrayList<>() : null;
            for (long i = 0; i < length; i++) {
                Object v = value(elementType, key);
                if (values != null) {
                    values.add(v);
                }
            }
            return new ArrayValue(elementType, length, values == null ? null : Collections.unmodifiableList(values));
        }

        private String string() {
            long length = count("string length", 1);
            return new String(bytes(length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }

        /** A count read from the file can never exceed what the rest of the file could hold. */
        private long count(String what, long minBytesEach) {
            long n = u64();
            if (n < 0 || n > (file.byteSize() - pos) / minBytesEach) {
                throw truncatedOrCorrupt(what + " " + Long.toUnsignedString(n) + " exceeds the file");
            }
            return n;
        }

        private int u32() {
            return bytes(4).get(U32, 0);
        }

        private long u64() {
            return bytes(8).get(U64, 0);
        }

        private MemorySegment bytes(long n) {
            if (n > file.byteSize() - pos) {
                throw truncatedOrCorrupt("header ends early at byte " + file.byteSize());
            }
            MemorySegment slice = file.asSlice(pos, n);
            pos += n;
            return slice;
        }

        private InvalidModelFileException truncatedOrCorrupt(String detail) {
            return new InvalidModelFileException(path, Reason.TRUNCATED, "truncated or corrupt GGUF: " + detail);
        }

        private InvalidModelFileException corrupt(String detail) {
            return new InvalidModelFileException(path, Reason.CORRUPT, "corrupt GGUF: " + detail);
        }
    }
}
