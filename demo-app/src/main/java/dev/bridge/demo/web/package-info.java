/**
 * The demo's HTTP routes: {@code /api/*} moves blocking work onto Bridge pools,
 * {@code /naive/*} does the same work on the event loop to show what that costs.
 */
@NullMarked
package dev.bridge.demo.web;

import org.jspecify.annotations.NullMarked;
