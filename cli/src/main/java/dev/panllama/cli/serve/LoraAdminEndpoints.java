package dev.panllama.cli.serve;

import dev.panllama.engine.LoraRequest;
import java.nio.file.Path;

/**
 * Runtime LoRA updates (vLLM's {@code --allow-runtime-lora-updating}): {@code POST /v1/load_lora_adapter
 * {"lora_name", "lora_path"}} loads an adapter and serves it as a model of that name; {@code POST
 * /v1/unload_lora_adapter {"lora_name"}} stops serving it (requests running with it finish with it). A name
 * already served is a 400; unloading an unknown name a 404.
 */
final class LoraAdminEndpoints implements ApiEndpoints {
    private final ServedModel model;

    LoraAdminEndpoints(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/v1/load_lora_adapter", this::load)
                .post("/v1/unload_lora_adapter", this::unload);
    }

    private void load(Exchange exchange) throws Exception {
        JsonBody body = exchange.json();
        String name = required(body, "lora_name");
        String path = required(body, "lora_path");
        load(model, name, Path.of(path));
        exchange.sendText(200, "text/plain; charset=utf-8", "Success: LoRA adapter '" + name + "' added successfully.");
    }

    /** Loads an adapter into the engine and serves it under {@code name}; also used for {@code --lora-modules}. */
    static void load(ServedModel model, String name, Path path) throws Exception {
        if (model.names().contains(name) || model.loras().contains(name)) {
            throw ApiError.badRequest("The model `" + name + "` is already served.", "lora_name");
        }
        LoraRequest adapter = model.loras().request(name, path);
        EngineCalls.await(model.llm().addLora(adapter));
        if (!model.loras().register(adapter)) {
            // another request loaded the same name meanwhile: keep theirs
            EngineCalls.await(model.llm().removeLora(adapter.id()));
            throw ApiError.badRequest("The model `" + name + "` is already served.", "lora_name");
        }
    }

    private void unload(Exchange exchange) throws Exception {
        String name = required(exchange.json(), "lora_name");
        LoraRequest adapter = model.loras().remove(name);
        if (adapter == null) {
            throw new ApiError(404, "invalid_request_error", "The LoRA adapter `" + name + "` is not loaded.",
                    "lora_name", "model_not_found");
        }
        EngineCalls.await(model.llm().removeLora(adapter.id()));
        exchange.sendText(200, "text/plain; charset=utf-8", "Success: LoRA adapter '" + name + "' removed successfully.");
    }

    private static String required(JsonBody body, String field) {
        String value = body.string(field);
        if (value == null || value.isBlank()) {
            throw ApiError.badRequest("'" + field + "' is required.", field);
        }
        return value;
    }
}
