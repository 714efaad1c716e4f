/** From a container snapshot to the routes it should have: labels, hosts, address and port (pure logic). */
package dev.wharf.agent.routing;
