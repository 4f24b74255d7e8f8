/**
 * The Bridge demo application: synchronous setup in {@code main}, async I/O on the event
 * loop, blocking work on Bridge pools.
 */
@NullMarked
package dev.bridge.demo;

import org.jspecify.annotations.NullMarked;
