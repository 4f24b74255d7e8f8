/**
 * Bridge: move blocking work off event loops ({@link dev.bridge.BlockingBridge}, {@link dev.bridge.Blocking}) and wait on reactive work from synchronous edges.
 */
@NullMarked
package dev.bridge;

import org.jspecify.annotations.NullMarked;
