package dev.bridge.demo.legacy;

/**
 * A record fetched from the legacy system.
 *
 * @param id the record id
 * @param value the record's content
 * @param delayMs how long the legacy system took, in milliseconds
 * @param thread the thread that waited for it: {@code bridge-default-*} when offloaded,
 * {@code reactor-http-*} when done on the event loop
 */
public record LegacyRecord(String id, String value, long delayMs, String thread) {

}
