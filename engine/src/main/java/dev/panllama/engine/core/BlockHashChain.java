package dev.panllama.engine.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The chained hashes of one request's full token blocks, computed as far as asked and kept. A block's hash
 * covers its parent's hash, its tokens and the request's extra keys (the adapter set, on every block), and on
 * the first block the cache salt, so two requests share a block only when everything before it matches and
 * neither a salt nor an adapter tells them apart.
 */
final class BlockHashChain {
    private static final byte[] NO_KEY = new byte[0];
    private final int blockSize;
    private final byte[] everyBlockKey;
    private final byte[] saltKey;
    private long[] hashes = new long[8];
    private int count;
    /** Reused for every block of this request: hashing runs on the engine thread once per 16 tokens. */
    private final MessageDigest sha = sha256();
    private final ByteBuffer bytes;

    BlockHashChain(int blockSize, String adapterKey, String cacheSalt) {
        this.blockSize = blockSize;
        this.everyBlockKey = adapterKey == null ? NO_KEY : adapterKey.getBytes(StandardCharsets.UTF_8);
        this.saltKey = cacheSalt == null ? NO_KEY : cacheSalt.getBytes(StandardCharsets.UTF_8);
        this.bytes = ByteBuffer.allocate(Long.BYTES + blockSize * Integer.BYTES + 2 * Integer.BYTES);
    }

    int blockSize() {
        return blockSize;
    }

    /** Hash of block {@code index} of {@code request}'s tokens; the block must be full. */
    long hash(int index, EngineRequest request) {
        while (count <= index) {
            if (count == hashes.length) {
                hashes = Arrays.copyOf(hashes, hashes.length * 2);
            }
            hashes[count] = blockHash(count == 0 ? 0 : hashes[count - 1], count, request);
            count++;
        }
        return hashes[index];
    }

    private long blockHash(long parent, int index, EngineRequest request) {
        bytes.clear();
        bytes.putLong(parent);
        for (int i = index * blockSize, end = i + blockSize; i < end; i++) {
            bytes.putInt(request.tokenAt(i));
        }
        byte[] salt = index == 0 ? saltKey : NO_KEY;
        // lengths keep (key, salt) pairs unambiguous
        bytes.putInt(everyBlockKey.length).putInt(salt.length);
        sha.update(bytes.array());
        sha.update(everyBlockKey);
        sha.update(salt);
        return ByteBuffer.wrap(sha.digest()).getLong();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
