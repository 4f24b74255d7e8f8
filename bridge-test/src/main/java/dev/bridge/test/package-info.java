/**
 * Test support: {@link dev.bridge.test.NoEventLoopBlocking} fails a test during which the
 * code under test blocked an event loop; {@link dev.bridge.test.EventLoopStalls} returns the
 * stalls of a block of code.
 */
@NullMarked
package dev.bridge.test;

import org.jspecify.annotations.NullMarked;
