/**
 * The demo's settings: the file read synchronously in {@code main} before Spring starts, and
 * the properties the application binds from it.
 */
@NullMarked
package dev.bridge.demo.config;

import org.jspecify.annotations.NullMarked;
