/** Keep-alive connections to backends: one pool per event loop, so it needs no locks. */
package dev.wharf.proxy.pool;
