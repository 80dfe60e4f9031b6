#define _GNU_SOURCE
#include "deferred_certificates.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* mbedTLS's MBEDTLS_ERR_X509_FILE_IO_ERROR, returned when its real function cannot be found. */
#define PROMPTREG_X509_FILE_IO_ERROR (-0x2900)

/* mbedtls_x509_crt_parse_file's type; the chain is opaque here, so no mbedTLS header is needed. */
typedef int (*promptreg_parse_file_function)(void *chain, const char *path);

static atomic_int deferral_on;
static _Atomic(char *) deferred_file;

void promptreg_certificates_defer(int deferring) {
    atomic_store(&deferral_on, deferring != 0);
}

const char *promptreg_certificates_deferred_file(void) {
    return atomic_load(&deferred_file);
}

/*
 * Interposes mbedTLS's mbedtls_x509_crt_parse_file (see the header). Exported from the
 * executable ("used", default visibility) so the dynamic linker binds libgit2's call here.
 */
__attribute__((visibility("default"), used))
int mbedtls_x509_crt_parse_file(void *chain, const char *path) {
    if (atomic_load(&deferral_on)) {
        char *copy = path ? strdup(path) : NULL;
        free(atomic_exchange(&deferred_file, copy));
        return 0;
    }
    promptreg_parse_file_function real =
        (promptreg_parse_file_function)dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
    return real ? real(chain, path) : PROMPTREG_X509_FILE_IO_ERROR;
}
