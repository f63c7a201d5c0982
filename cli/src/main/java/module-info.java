/** The {@code panllama} command line. */
module dev.panllama.cli {
    requires dev.panllama.engine;
    requires info.picocli;
    requires org.slf4j;

    requires com.fasterxml.jackson.databind;
    requires org.eclipse.jetty.server;

    exports dev.panllama.cli.serve;

    opens dev.panllama.cli to info.picocli;
}
