/**
 * Actuator endpoint ({@code /actuator/bridge}) and health contributor ({@code bridge}).
 */
@NullMarked
package dev.bridge.actuate;

import org.jspecify.annotations.NullMarked;
