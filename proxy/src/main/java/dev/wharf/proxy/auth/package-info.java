/** HTTP basic auth for routes with a {@code wharf.auth} option: bcrypt checks off the event loops. */
package dev.wharf.proxy.auth;
