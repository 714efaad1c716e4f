/**
 * TLS for the proxy: the engine (OpenSSL or the JDK's), certificates from a directory and from Redis, chosen per
 * connection by SNI.
 */
package dev.wharf.proxy.tls;
