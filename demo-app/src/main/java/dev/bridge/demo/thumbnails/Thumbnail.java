package dev.bridge.demo.thumbnails;

/**
 * A rendered thumbnail.
 *
 * @param png the PNG bytes
 * @param size width and height in pixels
 * @param renderedOn the thread that rendered it: {@code bridge-images-*} when offloaded,
 * {@code reactor-http-*} when done on the event loop
 */
public record Thumbnail(byte[] png, int size, String renderedOn) {

}
