/**
 * Carrying the caller's context (MDC, Reactor context, observations) onto blocking pools.
 */
@NullMarked
package dev.bridge.context;

import org.jspecify.annotations.NullMarked;
