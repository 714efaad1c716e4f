package dev.wharf.proxy.pool;

/** Who gets what a backend connection reads while it serves one exchange. */
public interface BackendListener {

    /** An HttpObject, or a raw ByteBuf after a protocol switch; the listener owns it. */
    void backendRead(Object message);

    /** The end of one read batch: time to flush what was written to the client. */
    void backendReadComplete();

    /** The connection closed or failed; {@code cause} is null for a plain close. */
    void backendClosed(Throwable cause);
}
