/** The {@code panllama} command line. */
module dev.panllama.cli {
    requires dev.panllama.engine;
    requires info.picocli;
    requires org.slf4j;

    opens dev.panllama.cli to info.picocli;
}
