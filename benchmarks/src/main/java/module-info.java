/** Benchmarks: panllama measured side by side with llama.cpp's own tools, and panllama-only latency/throughput runs. */
module dev.panllama.benchmarks {
    requires java.net.http;
    requires dev.panllama.engine;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires jmh.core;

    exports dev.panllama.benchmarks;
    exports dev.panllama.benchmarks.ffm;
    opens dev.panllama.benchmarks to com.fasterxml.jackson.databind;
}
