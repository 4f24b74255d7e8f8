/**
 * A synchronous client of a legacy system, whose every call blocks its thread.
 */
@NullMarked
package dev.bridge.demo.legacy;

import org.jspecify.annotations.NullMarked;
