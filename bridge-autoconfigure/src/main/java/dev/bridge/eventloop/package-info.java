/**
 * Event-loop detection and the stall watchdog.
 */
@NullMarked
package dev.bridge.eventloop;

import org.jspecify.annotations.NullMarked;
