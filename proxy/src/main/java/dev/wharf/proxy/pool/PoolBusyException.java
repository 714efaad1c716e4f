package dev.wharf.proxy.pool;

/** Every allowed connection to a backend stayed busy for the whole connect timeout: the backend is not dead. */
public final class PoolBusyException extends Exception {

    PoolBusyException(String message) {
        super(message, null, false, false);
    }
}
