package dev.wharf.proxy.route;

import dev.wharf.route.BackendUrl;

import java.util.Set;

/** Round-robin over the backends that are not dead (in Redis or here) and not already tried for this request. */
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
        for (int i = 0; i < count; i++) {
            int index = (start + i) % count;
            BackendUrl backend = route.backends().get(index);
            if (backend != null && !frontend.isDead(index) && !tried.contains(index) && !dead.isDead(backend)) {
                return index;
            }
        }
        return -1;
    }
}
