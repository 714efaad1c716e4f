/** The admin port both programs serve: health, readiness, Prometheus metrics. */
package dev.wharf.admin;
