/**
 * The offload pipeline, internal: moves one blocking call onto a pool with the caller's
 * context, as a {@code bridge.blocking} observation, under a timeout. {@code BlockingBridge}'s
 * {@code spawn}, the {@code @Blocking} aspect and the WebFlux integration all run their calls
 * through an {@link dev.bridge.offload.Offloader}. Not an API: applications use
 * {@code BlockingBridge} and {@code @Blocking}.
 */
@NullMarked
package dev.bridge.offload;

import org.jspecify.annotations.NullMarked;
