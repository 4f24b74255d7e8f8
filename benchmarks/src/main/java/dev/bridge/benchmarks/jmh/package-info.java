/**
 * JMH benchmarks of Bridge's per-call cost and of batching. Run them through
 * {@link dev.bridge.benchmarks.JmhBenchmarks}, which also checks the targets.
 */
@NullMarked
package dev.bridge.benchmarks.jmh;

import org.jspecify.annotations.NullMarked;
