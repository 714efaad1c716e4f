package dev.wharf.proxy.route;

import dev.wharf.route.BackendUrl;

import java.util.Set;

/**
 * Round-robin over the backends that are not dead (in Redis or here) and not already tried for this request.
 * When every backend left is marked dead, one of them is tried anyway: a mark can be wrong (a request that
 * met the app before it listened, a container replaced at the same address), and a live app must not
 * answer 502 for the mark's whole TTL. nginx never marks its last upstream down; this goes one further.
 */
public final class BackendChooser {

    private final DeadBackends dead;

    public BackendChooser(DeadBackends dead) {
        this.dead = dead;
    }

    /** Index of the backend to use, or -1 when none is left. */
    public int choose(ResolvedRoute route, Set<Integer> tried) {
        var frontend = route.frontend().orElseThrow();
        int count = route.backends().size();
        if (count == 0) {
            return -1;
        }
        int start = route.nextStart();
        int markedDead = -1;
        for (int i = 0; i < count; i++) {
            int index = (start + i) % count;
            BackendUrl backend = route.backends().get(index);
            if (backend == null || tried.contains(index)) {
                continue;
            }
            if (!frontend.isDead(index) && !dead.isDead(backend)) {
                return index;
            }
            markedDead = markedDead < 0 ? index : markedDead;
        }
        return markedDead;
    }
}
