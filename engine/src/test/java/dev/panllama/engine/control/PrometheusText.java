package dev.panllama.engine.control;

import java.util.HashMap;
import java.util.Map;

/** A Prometheus text exposition, parsed: each family's TYPE and each sample's value by its full series name. */
record PrometheusText(Map<String, String> types, Map<String, Double> samples) {

    static PrometheusText parse(String text) {
        Map<String, String> types = new HashMap<>();
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                types.put(parts[2], parts[3]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return new PrometheusText(types, samples);
    }

    /** The value of {@code name} whose labels include {@code labelFragment} (e.g. {@code finished_reason="abort"}). */
    double value(String name, String labelFragment) {
        Double found = null;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String series = e.getKey();
            if (series.startsWith(name + "{") && series.contains(labelFragment)) {
                if (found != null) {
                    throw new AssertionError("more than one series " + name + " with " + labelFragment);
                }
                found = e.getValue();
            }
        }
        if (found == null) {
            throw new AssertionError("no series " + name + " with " + labelFragment + " in " + samples.keySet());
        }
        return found;
    }

    double value(String name) {
        return value(name, "model_name=");
    }
}
