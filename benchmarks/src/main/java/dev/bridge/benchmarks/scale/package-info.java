/**
 * The small WebFlux application the scale benchmark forks once per run: a blocking route in
 * each of the shapes it compares, {@code /ping} on the event loop, and a side channel that
 * reports the server's threads, heap and CPU.
 */
@NullMarked
package dev.bridge.benchmarks.scale;

import org.jspecify.annotations.NullMarked;
