/**
 * Bounded, named blocking pools and their Reactor schedulers.
 */
@NullMarked
package dev.bridge.pool;

import org.jspecify.annotations.NullMarked;
