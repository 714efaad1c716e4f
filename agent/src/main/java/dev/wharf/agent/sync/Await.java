package dev.wharf.agent.sync;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The agent may block on the store; this bounds the wait and turns failures into one unchecked type. */
final class Await {

    private static final long TIMEOUT_SECONDS = 10;

    private Await() {
    }

    static <T> T result(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new StoreUnavailableException(e.getCause());
        } catch (TimeoutException e) {
            throw new StoreUnavailableException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException(e);
        }
    }

    /** Redis could not be reached or answered an error; the agent retries the whole reconcile later. */
    static final class StoreUnavailableException extends RuntimeException {
        StoreUnavailableException(Throwable cause) {
            super("Redis: " + cause.getMessage(), cause);
        }
    }
}
