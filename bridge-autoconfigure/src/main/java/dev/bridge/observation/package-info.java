/**
 * The Micrometer observation of an offloaded call: its context type, and the meter handler
 * that records it.
 */
@NullMarked
package dev.bridge.observation;

import org.jspecify.annotations.NullMarked;
