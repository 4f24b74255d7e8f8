/**
 * Micrometer meter binders for Bridge's pools.
 */
@NullMarked
package dev.bridge.metrics;

import org.jspecify.annotations.NullMarked;
