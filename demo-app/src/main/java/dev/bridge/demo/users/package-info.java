/**
 * The user route's flow: an async call to the user API, a legacy synchronous transform on a
 * Bridge pool, and the user API itself (built in, non-blocking).
 */
@NullMarked
package dev.bridge.demo.users;

import org.jspecify.annotations.NullMarked;
