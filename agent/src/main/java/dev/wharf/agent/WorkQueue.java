package dev.wharf.agent;

import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * The sync thread's work, in arrival order, each item pending at most once: a burst of events about one container
 * (a deploy sends kill, stop, die, network disconnect within milliseconds) is one convergence, since it inspects the
 * container when it runs, not when the event came.
 */
final class WorkQueue {

    private final LinkedHashSet<String> pending = new LinkedHashSet<>();

    /** False when the item was pending already. */
    synchronized boolean add(String item) {
        boolean added = pending.add(item);
        if (added) {
            notifyAll();
        }
        return added;
    }

    synchronized String take() throws InterruptedException {
        while (pending.isEmpty()) {
            wait();
        }
        Iterator<String> first = pending.iterator();
        String item = first.next();
        first.remove();
        return item;
    }
}
