package io.jevent.dns;

/** Receives a lookup's outcome, on the resolver's loop thread: exactly one of the two arguments is non-null. */
@FunctionalInterface
public interface LookupCallback {
    /**
     * @param result the addresses found, or null on failure
     * @param failure why none was found, or null on success
     */
    void onLookup(DnsResult result, DnsException failure);
}
