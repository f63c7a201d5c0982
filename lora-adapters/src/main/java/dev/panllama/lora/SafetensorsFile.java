package dev.panllama.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors file read in Java: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape (row-major, outermost first) and byte range, then the data. Every length and range is checked
 * against the file before it is used.
 *
 * @param path      the file
 * @param tensors   name → entry, in header order
 * @param dataStart where the byte ranges start
 */
public record SafetensorsFile(Path path, Map<String, Entry> tensors, long dataStart) {
    private static final long MAX_HEADER = 100L << 20;

    /** One tensor's header entry; {@code begin} and {@code end} are relative to {@link #dataStart()}. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** @throws PeftConversionException for a file that is not valid safetensors or uses an unsupported dtype */
    public static SafetensorsFile read(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, length, 0);
            long headerLength = length.flip().getLong();
            if (size < 8 || headerLength <= 0 || headerLength > Math.min(MAX_HEADER, size - 8)) {
                throw new PeftConversionException(path + " is not a safetensors file (header length " + headerLength
                        + " in a file of " + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            JsonNode json = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLength;
            Map<String, Entry> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!field.getKey().equals("__metadata__")) {
                    tensors.put(field.getKey(), entry(path, field.getKey(), field.getValue(), size - dataStart));
                }
            }
            return new SafetensorsFile(path, tensors, dataStart);
        } catch (IOException e) {
            throw new PeftConversionException(path + " cannot be read as safetensors: " + e.getMessage());
        }
    }

    private static Entry entry(Path path, String name, JsonNode node, long dataSize) {
        String dtype = node.path("dtype").asText();
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new PeftConversionException(path + ": tensor " + name + " has dtype '" + dtype
                    + "'; F32, F16 and BF16 are supported");
        };
        JsonNode shapeNode = node.path("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw new PeftConversionException(path + ": tensor " + name + " has a negative dimension");
            }
        }
        JsonNode offsets = node.path("data_offsets");
        long begin = offsets.path(0).asLong(-1);
        long end = offsets.path(1).asLong(-1);
        Entry entry = new Entry(name, dtype, shape, begin, end);
        if (begin < 0 || end < begin || end > dataSize || end - begin != entry.elements() * width) {
            throw new PeftConversionException(path + ": tensor " + name + " has byte range [" + begin + ", " + end
                    + ") that does not match its shape or lies outside the file");
        }
        return entry;
    }

    /** A tensor's values as floats, row-major. */
    public float[] floats(String name) {
        Entry e = tensors.get(name);
        if (e == null) {
            throw new PeftConversionException(path + " has no tensor " + name);
        }
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            readFully(channel, bytes, dataStart + e.begin());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        bytes.flip();
        float[] values = new float[Math.toIntExact(e.elements())];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (e.dtype()) {
                case "F32" -> bytes.getFloat();
                case "F16" -> Float.float16ToFloat(bytes.getShort());
                default -> Float.intBitsToFloat((bytes.getShort() & 0xFFFF) << 16);
            };
        }
        return values;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("file ends early");
            }
        }
    }
}
