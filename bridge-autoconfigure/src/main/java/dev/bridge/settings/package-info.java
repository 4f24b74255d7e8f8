/**
 * Rules that Bridge's settings share: how a duration is printed as users write it, and the
 * bounds every duration setting follows.
 */
@NullMarked
package dev.bridge.settings;

import org.jspecify.annotations.NullMarked;
