/**
 * Micrometer meter binders for Bridge's pools and event loops, and the context and meter
 * handler of its {@code bridge.blocking} observations.
 */
@NullMarked
package dev.bridge.metrics;

import org.jspecify.annotations.NullMarked;
