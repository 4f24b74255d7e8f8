/**
 * WebFlux integration: blocking controller methods and HTTP mapping of Bridge errors.
 */
@NullMarked
package dev.bridge.web;

import org.jspecify.annotations.NullMarked;
