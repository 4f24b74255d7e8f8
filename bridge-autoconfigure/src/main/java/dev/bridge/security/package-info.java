/**
 * Spring Security's context in blocking code: the request's {@code SecurityContext} in
 * {@code SecurityContextHolder} on the pool thread, cleared afterwards.
 */
@NullMarked
package dev.bridge.security;

import org.jspecify.annotations.NullMarked;
