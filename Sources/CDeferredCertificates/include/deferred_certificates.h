#ifndef PROMPTREG_DEFERRED_CERTIFICATES_H
#define PROMPTREG_DEFERRED_CERTIFICATES_H

/*
 * Keeps libgit2 (built with mbedTLS, as Debian's is) from parsing the system's CA bundle in
 * git_libgit2_init, so that processes which never talk HTTPS never read it.
 *
 * This target defines mbedtls_x509_crt_parse_file. The executable exports it, so libgit2's call
 * binds to it rather than to libmbedx509's. Between promptreg_certificates_defer(1) and
 * promptreg_certificates_defer(0) a call parses nothing and returns 0 (the chain libgit2 installs
 * is then empty: every server certificate fails verification); the file it named is remembered.
 * Outside that window every call goes to mbedTLS's own function. GitStore loads the CA file
 * before its first https:// operation with git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS).
 */

/** Turns deferral on (nonzero) around git_libgit2_init, and off (0) right after it. */
void promptreg_certificates_defer(int deferring);

/** The CA file libgit2 asked to parse while deferral was on (its compiled-in default), or NULL. */
const char *promptreg_certificates_deferred_file(void);

#endif
