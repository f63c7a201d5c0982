package dev.panllama.cli.serve;

import dev.panllama.engine.EngineDeadException;
import dev.panllama.engine.InvalidRequestException;
import dev.panllama.engine.SleepModeException;
import dev.panllama.engine.UnsupportedModelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Engine exceptions as API errors: invalid requests are 400 naming the field, requests the model cannot serve
 * 400, a dead engine 503, the rest 500.
 */
final class ErrorMapping {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);

    private ErrorMapping() {
    }

    static ApiError toApiError(Exception e) {
        return switch (e) {
            case ApiError api -> api;
            case InvalidRequestException invalid -> ApiError.badRequest(invalid.getMessage(), invalid.field());
            // e.g. a chat request to a model without a chat template: the request cannot be served as sent
            case UnsupportedModelException unsupported -> ApiError.badRequest(unsupported.getMessage(), null);
            // sleep mode off, an unknown level, a wake-up order the engine cannot follow: the engine is unharmed
            case SleepModeException sleep -> ApiError.badRequest(sleep.getMessage(), null);
            case EngineDeadException dead -> ApiError.unavailable(dead.getMessage());
            default -> {
                LOG.error("request failed", e);
                yield ApiError.internal(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        };
    }
}
