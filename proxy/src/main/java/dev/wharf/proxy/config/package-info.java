/** Hipache's config.json, read as it is (trailing commas included), with errors that name file, line and key. */
package dev.wharf.proxy.config;
