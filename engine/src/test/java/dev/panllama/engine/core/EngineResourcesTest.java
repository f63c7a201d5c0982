package dev.panllama.engine.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ResidentFile;
import dev.panllama.engine.testing.TestModels;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class EngineResourcesTest {

    @Test
    void releasesAndRecreatesContextAndModelWithTheirOriginalParameters() {
        Model model = Model.load(TestModels.stories260K());
        Context context = Context.create(model, ContextParams.defaults().withContextLength(256).withMaxSequences(2));
        try (EngineResources resources = new EngineResources(model, context)) {
            resources.freeContext();
            assertFalse(context.isOpen());
            assertThrows(IllegalStateException.class, resources::context);
            resources.recreateContext();
            assertEquals(256, resources.context().contextLength());
            assertEquals(2, resources.context().maxSequences());

            resources.freeModel();
            assertFalse(model.isOpen());
            assertTrue(resources.weightsReleased());
            assertThrows(IllegalStateException.class, resources::recreateContext);
            resources.reloadModel();
            resources.recreateContext();
            assertEquals(model.path(), resources.model().path());
            assertEquals(256, resources.context().contextLength());
        }
    }

    @Test
    void hostWeightsStayLoadedOnACpuBuild() {
        Model model = Model.load(TestModels.stories260K());
        Context context = Context.create(model, ContextParams.defaults().withContextLength(128));
        try (EngineResources resources = new EngineResources(model, context)) {
            resources.freeContext();
            resources.moveWeightsToHost();
            assertEquals(model.offloadsWeights(), resources.weightsReleased());
        }
    }

    @Test
    void residentFileMapsTheWholeFile() throws Exception {
        try (ResidentFile file = ResidentFile.map(TestModels.stories260K())) {
            assertEquals(Files.size(TestModels.stories260K()), file.size());
            assertTrue(file.isLoaded());
            file.close();
            assertFalse(file.isLoaded());
        }
    }
}
