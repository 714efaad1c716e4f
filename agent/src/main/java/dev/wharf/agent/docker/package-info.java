/** The Docker side: docker-java on the engine's socket, container snapshots, the events stream. */
package dev.wharf.agent.docker;
