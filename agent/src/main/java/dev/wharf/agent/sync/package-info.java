/** Converging Redis to the containers: the agent's own records, route writes, the reconcile loop. */
package dev.wharf.agent.sync;
