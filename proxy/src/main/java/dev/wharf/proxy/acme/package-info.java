/**
 * Automatic HTTPS: which hosts get a certificate ({@link dev.wharf.proxy.acme.PublicHosts}), when to order and renew
 * ({@link dev.wharf.proxy.acme.OrderSchedule}) — both pure —, one order through acme4j
 * ({@link dev.wharf.proxy.acme.CertificateOrder}) and the thread that runs them ({@link dev.wharf.proxy.acme.AutomaticHttps}).
 */
package dev.wharf.proxy.acme;
