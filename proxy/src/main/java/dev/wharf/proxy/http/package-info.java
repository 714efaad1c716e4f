/** HTTP/1.1 proxying: the client-side and backend-side handlers, headers, errors, access log. */
package dev.wharf.proxy.http;
