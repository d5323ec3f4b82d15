#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "portal_system.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int portal_rename_exchange(const char *a, const char *b) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int portal_syncfs(int fd) {
    return syncfs(fd);
}

#if __has_include(<mimalloc.h>)
#include <mimalloc.h>

// The portal program links mimalloc (see Package.swift); the tests and the sanitizer
// builds do not, and there this reference stays null.
extern void mi_option_set(mi_option_t option, long value) __attribute__((weak));

/// mimalloc keeps freed pages for a while before returning them to the system; a build
/// frees the text of one page after another, so without the delay its peak memory is
/// about a tenth lower, for no measurable time. Runs before main, after mimalloc's own
/// start (the libraries a program links start before it).
__attribute__((constructor)) static void portal_tune_allocator(void) {
    if (mi_option_set) mi_option_set(mi_option_decommit_delay, 0);
}
#endif
