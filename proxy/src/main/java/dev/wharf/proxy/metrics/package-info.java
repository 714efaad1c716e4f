/** What the proxy counts, for Prometheus. */
package dev.wharf.proxy.metrics;
