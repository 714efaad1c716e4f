/** The agent's meters, read on its admin port. */
package dev.wharf.agent.metrics;
