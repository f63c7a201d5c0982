package dev.panllama.cli.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/models}: the served names, in OpenAI's list shape with vLLM's {@code root} and {@code max_model_len}. */
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
            Map<String, Object> card = new LinkedHashMap<>();
            card.put("id", name);
            card.put("object", "model");
            card.put("created", model.createdEpochSeconds());
            card.put("owned_by", "panllama");
            card.put("root", model.llm().engineArgs().model().toString());
            card.put("parent", null);
            card.put("max_model_len", model.llm().maxModelLen());
            data.add(card);
        }
        exchange.sendJson(200, Map.of("object", "list", "data", data));
    }
}
