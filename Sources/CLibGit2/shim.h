#ifndef PROMPTREG_LIBGIT2_SHIM_H
#define PROMPTREG_LIBGIT2_SHIM_H

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

/* git_libgit2_opts is variadic and cannot be called from Swift: these wrappers can. */

/** Turns fsync of objects, refs and the index on (1) or off (0) for the whole process. */
static inline int promptreg_git_enable_fsync(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, enabled);
}

/** Turns checking of each object's hash on read on (1) or off (0). */
static inline int promptreg_git_enable_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}

/** Makes libgit2 trust the CA certificates in `file` (PEM) instead of those it trusted before. */
static inline int promptreg_git_set_ssl_cert_file(const char *file) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, (const char *)NULL);
}

#endif
