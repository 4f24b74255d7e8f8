/**
 * Auto-configuration and configuration properties for Bridge.
 */
@NullMarked
package dev.bridge.autoconfigure;

import org.jspecify.annotations.NullMarked;
