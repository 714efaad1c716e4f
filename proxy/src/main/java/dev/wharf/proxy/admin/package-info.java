/** The proxy's own admin endpoints: the read-only route listing. */
package dev.wharf.proxy.admin;
