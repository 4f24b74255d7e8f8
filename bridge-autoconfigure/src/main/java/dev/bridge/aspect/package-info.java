/**
 * The {@code @Blocking} aspect, the event-loop guard and start-up validation of annotated methods.
 */
@NullMarked
package dev.bridge.aspect;

import org.jspecify.annotations.NullMarked;
