/** TLS for the proxy: certificates from a directory, chosen per connection by SNI. */
package dev.wharf.proxy.tls;
