package dev.panllama.engine;

/** Which waiting request runs next: arrival order, or lowest priority value first (then arrival). */
public enum SchedulingPolicy { FCFS, PRIORITY }
