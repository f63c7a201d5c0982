package dev.panllama.benchmarks.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A grouped bar chart, independent of the library that draws it: one group of bars per category, one bar per series;
 * series drawn as {@link Style#LINE} mark a level instead (a target, parity). A value may be null: that bar or point
 * is left out.
 *
 * @param title      the chart's heading
 * @param xAxisTitle what the categories are
 * @param yAxisTitle the values' unit
 * @param categories the groups, left to right
 * @param series     the series, in legend order
 */
public record BarChart(String title, String xAxisTitle, String yAxisTitle, List<String> categories, List<Series> series) {

    /** How a series is drawn. */
    public enum Style { BARS, LINE }

    /**
     * One series: a value per category (null where it has none).
     *
     * @param name   the legend entry
     * @param values one per category, in category order
     * @param style  bars, or a line with markers
     */
    public record Series(String name, List<Double> values, Style style) {
        public Series {
            // nulls are allowed (no value for that category), which List.copyOf refuses
            values = Collections.unmodifiableList(new ArrayList<>(values));
            if (values.stream().allMatch(v -> v == null)) {
                throw new IllegalArgumentException("series '" + name + "' has no value to draw");
            }
        }

        public static Series bars(String name, List<Double> values) {
            return new Series(name, values, Style.BARS);
        }

        public static Series line(String name, List<Double> values) {
            return new Series(name, values, Style.LINE);
        }
    }

    public BarChart {
        categories = List.copyOf(categories);
        series = List.copyOf(series);
        if (categories.isEmpty() || series.isEmpty()) {
            throw new IllegalArgumentException("chart '" + title + "' needs at least one category and one series");
        }
        if (series.stream().map(Series::name).distinct().count() != series.size()) {
            throw new IllegalArgumentException("series names of chart '" + title + "' repeat: "
                    + series.stream().map(Series::name).toList());
        }
        for (Series s : series) {
            if (s.values().size() != categories.size()) {
                throw new IllegalArgumentException("series '" + s.name() + "' of chart '" + title + "' has "
                        + s.values().size() + " values for " + categories.size() + " categories");
            }
        }
    }

    /**
     * A chart of ratios (higher is better) per category: each of {@code ratios}' series as bars, each of
     * {@code targets}' series as a line of markers, and the parity level 1.0 as a line.
     */
    public static BarChart ratios(String title, String xAxisTitle, String yAxisTitle, List<String> categories,
                                  Map<String, List<Double>> ratios, Map<String, List<Double>> targets) {
        List<Series> series = new ArrayList<>();
        ratios.forEach((name, values) -> series.add(Series.bars(name, values)));
        targets.forEach((name, values) -> {
            if (values.stream().anyMatch(v -> v != null)) {
                series.add(Series.line(name, values));
            }
        });
        series.add(Series.line("parity (1.0)", Collections.nCopies(categories.size(), 1.0)));
        return new BarChart(title, xAxisTitle, yAxisTitle, categories, series);
    }

    /** Series by name, each with one slot per category: what the builders below fill in. */
    static Map<String, List<Double>> emptySeries(List<String> names, int categories) {
        Map<String, List<Double>> map = new LinkedHashMap<>();
        names.forEach(n -> map.put(n, new ArrayList<>(Collections.nCopies(categories, (Double) null))));
        return map;
    }
}
