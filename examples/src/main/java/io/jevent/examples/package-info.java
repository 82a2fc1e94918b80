/**
 * Runnable examples of the public API, one class per example, started through {@link io.jevent.examples.Main}
 * ({@code java -jar jevent-examples.jar NAME}). They use nothing private, so they double as documentation.
 */
package io.jevent.examples;
