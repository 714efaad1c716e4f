/** The route model: host names, backend URLs, frontends and the lookup order (pure logic, no I/O). */
package dev.wharf.route;
