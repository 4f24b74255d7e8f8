/**
 * Benchmark programs: the isolation load harness, the watchdog overhead run, the soak and the
 * JMH runner. Each prints one table and writes it under {@code benchmarks/results/}.
 */
@NullMarked
package dev.bridge.benchmarks;

import org.jspecify.annotations.NullMarked;
