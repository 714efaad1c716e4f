package dev.wharf.route;

/** A host or backend URL that cannot be used; the message names the value at fault. */
public final class InvalidRouteException extends IllegalArgumentException {

    public InvalidRouteException(String message) {
        super(message);
    }
}
