/**
 * CPU-heavy image work with {@code java.awt} and {@code ImageIO}, on its own Bridge pool.
 */
@NullMarked
package dev.bridge.demo.thumbnails;

import org.jspecify.annotations.NullMarked;
