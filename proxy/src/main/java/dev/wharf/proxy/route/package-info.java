/** Finding the backends for a request: the cached lookup, its invalidation, dead marks, round-robin. */
package dev.wharf.proxy.route;
