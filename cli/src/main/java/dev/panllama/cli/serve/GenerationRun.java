package dev.panllama.cli.serve;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestStream;
import dev.panllama.engine.SamplingParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The engine requests behind one HTTP request (one per prompt; each may have n completions), read as one
 * sequence of outputs in arrival order. One prompt is read straight from its stream on the caller's thread; for a
 * batch, a virtual thread per prompt feeds a queue, so the batch streams as each prompt advances. Closing aborts
 * whatever has not finished: that is how a client disconnect reaches the engine.
 */
final class GenerationRun implements AutoCloseable {
    /** One engine output; {@code choiceIndex(c)} numbers completions across prompts as OpenAI does. */
    record Item(int promptIndex, RequestOutput output) {
        int choiceIndex(CompletionOutput completion, int n) {
            return promptIndex * n + completion.index();
        }
    }

    /** Makes the SSE chunk for one completion delta, or null to send nothing for it. */
    @FunctionalInterface
    interface ChunkMaker {
        Object chunk(Item item, CompletionOutput delta, int choiceIndex);
    }

    /** Makes one choice of a non-streamed response from its finished completion and its prompt's last output. */
    @FunctionalInterface
    interface ChoiceMaker {
        Map<String, Object> choice(int choiceIndex, RequestOutput request, CompletionOutput completion);
    }

    private static final Object END = new Object();

    private final List<RequestStream> streams;
    /** The one stream, read without a pump (a thread hop per output less); null for a batch. */
    private final RequestStream single;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final int n;
    private final Usage usage;
    private int open;

    private GenerationRun(List<RequestStream> streams, int n) {
        this.streams = streams;
        this.single = streams.size() == 1 ? streams.getFirst() : null;
        this.n = n;
        this.usage = new Usage(streams.size());
        this.open = streams.size();
    }

    /** Submits every prompt; an invalid one aborts those already submitted and throws. */
    static GenerationRun start(AsyncLLM llm, List<Prompt> prompts, SamplingParams params, String requestId,
                               GenerateOptions options) {
        List<RequestStream> streams = new ArrayList<>(prompts.size());
        try {
            for (int i = 0; i < prompts.size(); i++) {
                streams.add(llm.generate(prompts.get(i), params, prompts.size() == 1 ? requestId : requestId + "-" + i, options));
            }
        } catch (RuntimeException e) {
            streams.forEach(RequestStream::close);
            throw e;
        }
        GenerationRun run = new GenerationRun(streams, params.n());
        for (int i = 0; run.single == null && i < streams.size(); i++) {
            int promptIndex = i;
            RequestStream stream = streams.get(i);
            Thread.ofVirtual().name("panllama-http-" + stream.requestId()).start(() -> run.pump(promptIndex, stream));
        }
        return run;
    }

    /**
     * An OpenAI-style id: prefix and 24 random hex digits. Ids name responses, they guard nothing, so a per-thread
     * generator does (no shared SecureRandom lock on every request).
     */
    static String newId(String prefix) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return prefix + HexFormat.of().toHexDigits(random.nextLong()) + HexFormat.of().toHexDigits(random.nextInt());
    }

    private void pump(int promptIndex, RequestStream stream) {
        try {
            while (stream.hasNext()) {
                queue.add(new Item(promptIndex, stream.next()));
            }
            queue.add(END);
        } catch (RuntimeException e) {
            queue.add(e);
        }
    }

    /** The next output of any prompt, or null once all have finished. */
    Item next() throws InterruptedException {
        if (single != null) {
            return single.hasNext() ? new Item(0, single.next()) : null;
        }
        while (open > 0) {
            Object next = queue.take();
            if (next == END) {
                open--;
            } else if (next instanceof RuntimeException failure) {
                open--;
                throw failure;
            } else {
                return (Item) next;
            }
        }
        return null;
    }

    /**
     * Reads to the end (outputs of a non-DELTA kind: each replaces the last) and sends {@code envelope} with the
     * choices in index order and the usage.
     */
    void respond(Exchange exchange, Map<String, Object> envelope, ChoiceMaker choiceMaker)
            throws IOException, InterruptedException {
        SortedMap<Integer, CompletionOutput> completions = new TreeMap<>();
        RequestOutput[] requests = new RequestOutput[streams.size()];
        for (Item item = next(); item != null; item = next()) {
            usage.observePrompt(item.promptIndex(), item.output());
            requests[item.promptIndex()] = item.output();
            for (CompletionOutput completion : item.output().outputs()) {
                completions.put(item.choiceIndex(completion, n), completion);
            }
        }
        List<Map<String, Object>> choices = new ArrayList<>(completions.size());
        for (Map.Entry<Integer, CompletionOutput> entry : completions.entrySet()) {
            CompletionOutput completion = entry.getValue();
            failIfErrored(completion);
            usage.addCompletionTokens(completion.tokenIds().size());
            choices.add(choiceMaker.choice(entry.getKey(), requests[entry.getKey() / n], completion));
        }
        envelope.put("choices", choices);
        envelope.put("usage", usage.toJson());
        exchange.sendJson(200, envelope);
    }

    /**
     * Streams DELTA outputs as SSE chunks, then the usage chunk when asked, then {@code [DONE]}. A write that
     * fails because the client left throws IOException; the caller's close() then aborts the requests.
     */
    void streamTo(ServerSentEvents events, ChunkMaker chunks, Map<String, Object> usageChunk)
            throws IOException, InterruptedException {
        try {
            for (Item item = next(); item != null; item = next()) {
                usage.observePrompt(item.promptIndex(), item.output());
                for (CompletionOutput delta : item.output().outputs()) {
                    failIfErrored(delta);
                    usage.addCompletionTokens(delta.tokenIds().size());
                    Object chunk = chunks.chunk(item, delta, item.choiceIndex(delta, n));
                    if (chunk != null) {
                        events.send(chunk);
                    }
                }
            }
        } catch (ApiError e) {
            events.sendError(e);
        } catch (RuntimeException e) {
            events.sendError(ErrorMapping.toApiError(e));
        }
        if (usageChunk != null) {
            usageChunk.put("usage", usage.toJson());
            events.send(usageChunk);
        }
        events.done();
    }

    /** The fields every response and chunk opens with; {@code choices} is empty until the caller puts its own. */
    static Map<String, Object> envelope(String id, String object, long created, String model) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("object", object);
        json.put("created", created);
        json.put("model", model);
        json.put("choices", List.of());
        return json;
    }

    /** OpenAI's {@code finish_reason}: null while the completion runs. */
    static String finishReason(CompletionOutput completion) {
        return completion.finishReason() == null ? null : completion.finishReason().wireName();
    }

    private static void failIfErrored(CompletionOutput completion) {
        if (completion.finishReason() == FinishReason.ERROR) {
            throw ApiError.internal("The engine failed this request" + (completion.stopReason() == null ? "." : ": " + completion.stopReason()));
        }
    }

    @Override
    public void close() {
        streams.forEach(RequestStream::close);
    }
}
