package dev.wharf.route;

/** Which rule of the lookup order produced a candidate frontend (SPEC §3), for logs and the admin API. */
public enum LookupRule {
    EXACT,
    XIP,
    WILDCARD,
    CATCH_ALL
}
