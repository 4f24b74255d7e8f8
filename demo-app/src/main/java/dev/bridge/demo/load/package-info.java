/**
 * Short, bounded loads the live page's buttons start from the server: the same legacy calls
 * through {@code /api} (on a Bridge pool) or {@code /naive} (on the event loop), with
 * {@code /api/ping} timed meanwhile, so that a visitor sees the difference.
 */
@NullMarked
package dev.bridge.demo.load;

import org.jspecify.annotations.NullMarked;
