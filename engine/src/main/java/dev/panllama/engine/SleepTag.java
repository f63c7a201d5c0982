package dev.panllama.engine;

import java.util.Locale;

/**
 * What a sleeping engine has released, and what {@link AsyncLLM#wakeUp} can bring back. The engine counts as
 * asleep until every tag is awake; scheduling never resumes while the KV cache or the weights are asleep.
 */
public enum SleepTag {
    WEIGHTS,
    KV_CACHE,
    SCHEDULING;

    /** {@code weights}, {@code kv_cache}, {@code scheduling}, as vLLM's wake_up tags. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SleepTag fromWireName(String name) {
        for (SleepTag tag : values()) {
            if (tag.wireName().equals(name)) {
                return tag;
            }
        }
        throw new InvalidRequestException("tags", name, "wake-up tag '" + name + "' is not one of weights, kv_cache, scheduling");
    }
}
