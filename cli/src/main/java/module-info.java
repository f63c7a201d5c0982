/** The {@code panllama} command line. */
module dev.panllama.cli {
    requires dev.panllama.engine;
    requires dev.panllama.lora;
    requires info.picocli;
    requires org.slf4j;

    requires com.fasterxml.jackson.databind;

    opens dev.panllama.cli to info.picocli;
}
