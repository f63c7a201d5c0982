package dev.panllama.cli;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.ChatMessage;
import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.RequestStream;
import dev.panllama.engine.SamplingParams;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code panllama chat}: a conversation on stdin/stdout. Each line you type is a user turn; the whole history
 * goes through the model's chat template every turn. {@code /reset} forgets the history, {@code /exit} or
 * end of input quits.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "Chat with a model using its chat template.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--system", description = "A system message that opens the conversation.")
    String system;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        SamplingParams params = sampling.toParams().toBuilder().n(1).outputKind(RequestOutputKind.DELTA).build();
        boolean interactive = System.console() != null;
        List<ChatMessage> history = new ArrayList<>();
        if (system != null) {
            history.add(ChatMessage.system(system));
        }
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(engine.toEngineArgs(null))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int turn = 0;
            while (true) {
                if (interactive) {
                    out.print("> ");
                    out.flush();
                }
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    break;
                }
                if (line.strip().equals("/reset")) {
                    history.removeIf(m -> !m.role().equals("system"));
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                history.add(ChatMessage.user(line));
                StringBuilder reply = new StringBuilder();
                try (RequestStream stream = llm.generate(Prompt.chat(history), params, "chat-" + turn++)) {
                    while (stream.hasNext()) {
                        RequestOutput output = stream.next();
                        for (CompletionOutput c : output.outputs()) {
                            reply.append(c.text());
                            out.print(c.text());
                            out.flush();
                        }
                    }
                }
                out.println();
                out.flush();
                history.add(ChatMessage.assistant(reply.toString()));
            }
        }
        return 0;
    }
}
