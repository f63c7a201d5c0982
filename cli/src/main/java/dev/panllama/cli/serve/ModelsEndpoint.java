package dev.panllama.cli.serve;

import dev.panllama.engine.LoraRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/models}: the served names, in OpenAI's list shape with vLLM's {@code root} and {@code max_model_len};
 * loaded LoRA adapters follow as models whose {@code parent} is the base model. */
final class ModelsEndpoint implements ApiEndpoints {
    private final ServedModel model;

    ModelsEndpoint(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.get("/v1/models", this::list);
    }

    private void list(Exchange exchange) throws Exception {
        List<Map<String, Object>> data = new ArrayList<>();
        for (String name : model.names()) {
            data.add(card(name, model.llm().engineArgs().model().toString(), null));
        }
        for (LoraRequest adapter : model.loras().all()) {
            data.add(card(adapter.name(), adapter.path().toString(), model.primaryName()));
        }
        exchange.sendJson(200, Map.of("object", "list", "data", data));
    }

    private Map<String, Object> card(String id, String root, String parent) {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("id", id);
        card.put("object", "model");
        card.put("created", model.createdEpochSeconds());
        card.put("owned_by", "panllama");
        card.put("root", root);
        card.put("parent", parent);
        card.put("max_model_len", model.llm().maxModelLen());
        return card;
    }
}
