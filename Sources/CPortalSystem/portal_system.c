#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

long portal_read_folder(int fd, void *buffer, unsigned long size) {
    return syscall(SYS_getdents64, fd, buffer, size);
}

int portal_syncfs(int fd) {
    return syncfs(fd);
}

int portal_open_existing(int folder, const char *path) {
    // O_NOATIME spares the file system an access time write for each file compared;
    // the system allows it only on one's own files.
    int fd = openat(folder, path, O_RDWR | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = openat(folder, path, O_RDWR | O_CLOEXEC);
    return fd;
}

int portal_file_holds(int fd, const void *bytes, unsigned long count) {
    // The thread's own memory, kept from file to file: memory asked for anew for each
    // file is memory the system clears page by page.
    static __thread unsigned char chunk[1 << 16];
    unsigned long offset = 0;
    while (offset < count) {
        unsigned long asked = count - offset < sizeof chunk ? count - offset : sizeof chunk;
        ssize_t got = pread(fd, chunk, asked, (off_t)offset);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return 0;
        if (memcmp(chunk, (const unsigned char *)bytes + offset, (size_t)got) != 0) return 0;
        offset += (unsigned long)got;
    }
    return 1;
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

#include <dlfcn.h>
#include <stdatomic.h>

// cmark-gfm keeps the table of characters that start inline syntax in one global array.
// A parser adds its extensions' characters ('~' for strikethrough, ':' and 'w' for
// autolinks) to it when it starts on a document's inlines and takes them out when it is
// done (cmark_manage_extensions_special_characters), so a parser that finishes on one
// core makes a parser on the other miss `~~text~~`. Every parser of the portal attaches
// the same extensions: their characters are added once, for good, and the library's
// adding and taking out is then replaced by nothing. Where the library calls the
// function through its procedure linkage table (a shared library on Linux), this
// definition in the program is the one it calls; the calls are counted, so that the
// program can see that it is (portal_cmark_inline_character_calls).
typedef void (*portal_manage_characters)(void *parser, int add);
static atomic_int portal_inline_characters_fixed;
static atomic_long portal_inline_character_calls;

static portal_manage_characters portal_library_manage_characters(void) {
    static _Atomic(portal_manage_characters) library;
    portal_manage_characters found = atomic_load(&library);
    if (!found) {
        found = (portal_manage_characters)dlsym(RTLD_NEXT, "cmark_manage_extensions_special_characters");
        atomic_store(&library, found);
    }
    return found;
}

void cmark_manage_extensions_special_characters(void *parser, int add) {
    // Once fixed, every page's parser calls this twice from both cores: nothing written.
    if (atomic_load(&portal_inline_characters_fixed)) return;
    atomic_fetch_add(&portal_inline_character_calls, 1);
    portal_manage_characters library = portal_library_manage_characters();
    if (library) library(parser, add);
}

long portal_cmark_inline_character_calls(void) { return atomic_load(&portal_inline_character_calls); }

int portal_cmark_fix_inline_characters(void *parser) {
    if (atomic_load(&portal_inline_characters_fixed)) return 1;
    portal_manage_characters library = portal_library_manage_characters();
    if (!library) return 0;
    library(parser, 1);
    atomic_store(&portal_inline_characters_fixed, 1);
    return 1;
}

int portal_utf8_valid(const unsigned char *bytes, unsigned long count) {
    unsigned long index = 0;
    while (index < count) {
        // Eight ASCII bytes at a time: most text is.
        while (index + 8 <= count) {
            unsigned long long word;
            memcpy(&word, bytes + index, 8);
            if (word & 0x8080808080808080ULL) break;
            index += 8;
        }
        if (index >= count) break;
        unsigned char lead = bytes[index];
        if (lead < 0x80) { index += 1; continue; }
        // The second byte's range rules out overlong forms, surrogates and scalars
        // beyond U+10FFFF (Unicode's table of well-formed sequences).
        unsigned long length;
        unsigned char low = 0x80, high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) length = 2;
        else if (lead >= 0xE0 && lead <= 0xEF) { length = 3; if (lead == 0xE0) low = 0xA0; else if (lead == 0xED) high = 0x9F; }
        else if (lead >= 0xF0 && lead <= 0xF4) { length = 4; if (lead == 0xF0) low = 0x90; else if (lead == 0xF4) high = 0x8F; }
        else return 0;
        if (count - index < length || bytes[index + 1] < low || bytes[index + 1] > high) return 0;
        for (unsigned long offset = 2; offset < length; offset++) {
            if ((bytes[index + offset] & 0xC0) != 0x80) return 0;
        }
        index += length;
    }
    return 1;
}
