package dev.panllama.benchmarks.report;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Draws a {@link BarChart} with JFreeChart into a PNG (Java2D) and an SVG (VectorGraphics2D) of the same size. Runs
 * headless: benchmark hosts have no display.
 */
public final class ChartWriter {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 520;

    // panllama blue, the reference orange, then distinct hues; lines (targets, parity) take them from the end
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xd62728), new Color(0x7f7f7f), new Color(0x17becf)};

    static {
        // before the first AWT class loads; a user's explicit choice stands
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private ChartWriter() {}

    /** Writes {@code dir/name.png} and {@code dir/name.svg} and returns both paths. */
    public static List<Path> write(BarChart chart, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        JFreeChart drawn = draw(chart);
        Path png = dir.resolve(name + ".png");
        Path svg = dir.resolve(name + ".svg");
        if (!ImageIO.write(drawn.createBufferedImage(WIDTH, HEIGHT), "png", png.toFile())) {
            throw new IOException("no PNG writer in this Java runtime");
        }
        VectorGraphics2D vector = new VectorGraphics2D();
        drawn.draw(vector, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
        try (OutputStream out = Files.newOutputStream(svg)) {
            new SVGProcessor().getDocument(vector.getCommands(), new PageSize(0, 0, WIDTH, HEIGHT)).writeTo(out);
        }
        return List.of(png, svg);
    }

    /** A file name part from a model or label: letters, digits, dot, dash and underscore only. */
    public static String fileNamePart(String label) {
        return label.replaceAll("[^A-Za-z0-9._-]+", "-");
    }

    private static JFreeChart draw(BarChart chart) {
        DefaultCategoryDataset bars = new DefaultCategoryDataset();
        DefaultCategoryDataset lines = new DefaultCategoryDataset();
        for (BarChart.Series s : chart.series()) {
            DefaultCategoryDataset into = s.style() == BarChart.Style.BARS ? bars : lines;
            for (int i = 0; i < chart.categories().size(); i++) {
                into.addValue(s.values().get(i), s.name(), chart.categories().get(i));
            }
        }
        CategoryAxis categories = new CategoryAxis(chart.xAxisTitle());
        categories.setMaximumCategoryLabelLines(2);
        NumberAxis values = new NumberAxis(chart.yAxisTitle());
        values.setAutoRangeIncludesZero(true);
        BarRenderer barRenderer = new BarRenderer();
        barRenderer.setBarPainter(new StandardBarPainter());
        barRenderer.setShadowVisible(false);
        barRenderer.setDrawBarOutline(false);
        barRenderer.setItemMargin(0.04);
        CategoryPlot plot = new CategoryPlot(bars, categories, values, barRenderer);
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        LineAndShapeRenderer lineRenderer = new LineAndShapeRenderer(true, true);
        if (lines.getRowCount() > 0) {
            plot.setDataset(1, lines);
            plot.setRenderer(1, lineRenderer);
            plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD); // lines over the bars
        }
        for (int i = 0; i < bars.getRowCount(); i++) {
            barRenderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
        }
        for (int i = 0; i < lines.getRowCount(); i++) {
            Paint paint = COLORS[COLORS.length - 1 - i % COLORS.length];
            lineRenderer.setSeriesPaint(i, paint);
            lineRenderer.setSeriesStroke(i, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {6f, 4f}, 0f));
        }
        JFreeChart drawn = new JFreeChart(chart.title(), JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        drawn.setBackgroundPaint(Color.WHITE);
        LegendTitle legend = drawn.getLegend();
        legend.setPosition(RectangleEdge.BOTTOM);
        return drawn;
    }
}
