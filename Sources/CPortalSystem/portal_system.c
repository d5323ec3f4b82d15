#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "portal_system.h"

// Header only, no library to link: the functions are compiled into this file.
#define XXH_INLINE_ALL
#include <xxhash.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

#if defined(__x86_64__) && defined(__clang__)
void portal_hash128_avx2(const void *bytes, unsigned long count, unsigned long long *high, unsigned long long *low);
#endif

void portal_hash128(const void *bytes, unsigned long count, unsigned long long *high, unsigned long long *low) {
#if defined(__x86_64__) && defined(__clang__)
    // Up to 240 bytes XXH3 uses no vector instructions.
    if (count > 240 && __builtin_cpu_supports("avx2")) {
        portal_hash128_avx2(bytes, count, high, low);
        return;
    }
#endif
    portal_hash128_baseline(bytes, count, high, low);
}

void portal_hash128_baseline(const void *bytes, unsigned long count, unsigned long long *high, unsigned long long *low) {
    XXH128_hash_t hash = XXH3_128bits(bytes, count);
    *high = hash.high64;
    *low = hash.low64;
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

static int portal_utf8_valid_scalar(const unsigned char *bytes, unsigned long count) {
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

#if defined(__x86_64__)
// The same, 32 bytes at a time with AVX2, by Keiser and Lemire's method ("Validating
// UTF-8 In Less Than One Instruction Per Byte", 2021): each byte is looked at with the one
// before it, through three tables of 16 flags (the first byte's high and low four bits,
// the second byte's high four bits); a pair is wrong where all three have a flag in
// common. The third and fourth bytes of a form (a continuation after a continuation) are
// told from the bytes two and three before. About four times as fast as the loop above
// on the portal's Polish pages, where a letter outside ASCII comes every few words.
enum {
    PORTAL_SHORT = 1 << 0,       // a lead byte not followed by a continuation
    PORTAL_LONG = 1 << 1,        // a continuation after ASCII
    PORTAL_OVERLONG3 = 1 << 2,   // E0 80..9F
    PORTAL_TOO_LARGE = 1 << 3,   // F4 90..BF, F5..FF 90..BF
    PORTAL_SURROGATE = 1 << 4,   // ED A0..BF
    PORTAL_OVERLONG2 = 1 << 5,   // C0, C1
    PORTAL_LARGE_1000 = 1 << 6,  // F5..FF 80..8F
    PORTAL_OVERLONG4 = 1 << 6,   // F0 80..8F
    PORTAL_TWO_CONTS = 1 << 7,   // a continuation after a continuation: right only inside a 3 or 4 byte form
};
#define PORTAL_CARRY (PORTAL_SHORT | PORTAL_LONG | PORTAL_TWO_CONTS)
#define PORTAL_LARGE (PORTAL_CARRY | PORTAL_TOO_LARGE | PORTAL_LARGE_1000)

__attribute__((target("avx2")))
static int portal_utf8_valid_avx2(const unsigned char *bytes, unsigned long count) {
    static const signed char firstHigh[16] = {
        PORTAL_LONG, PORTAL_LONG, PORTAL_LONG, PORTAL_LONG, PORTAL_LONG, PORTAL_LONG, PORTAL_LONG, PORTAL_LONG,
        (signed char)PORTAL_TWO_CONTS, (signed char)PORTAL_TWO_CONTS, (signed char)PORTAL_TWO_CONTS, (signed char)PORTAL_TWO_CONTS,
        PORTAL_SHORT | PORTAL_OVERLONG2, PORTAL_SHORT, PORTAL_SHORT | PORTAL_OVERLONG3 | PORTAL_SURROGATE,
        PORTAL_SHORT | PORTAL_TOO_LARGE | PORTAL_LARGE_1000 | PORTAL_OVERLONG4};
    static const signed char firstLow[16] = {
        (signed char)(PORTAL_CARRY | PORTAL_OVERLONG3 | PORTAL_OVERLONG2 | PORTAL_OVERLONG4), (signed char)(PORTAL_CARRY | PORTAL_OVERLONG2),
        (signed char)PORTAL_CARRY, (signed char)PORTAL_CARRY,
        (signed char)(PORTAL_CARRY | PORTAL_TOO_LARGE), (signed char)PORTAL_LARGE, (signed char)PORTAL_LARGE, (signed char)PORTAL_LARGE,
        (signed char)PORTAL_LARGE, (signed char)PORTAL_LARGE, (signed char)PORTAL_LARGE, (signed char)PORTAL_LARGE,
        (signed char)PORTAL_LARGE, (signed char)(PORTAL_LARGE | PORTAL_SURROGATE), (signed char)PORTAL_LARGE, (signed char)PORTAL_LARGE};
    static const signed char secondHigh[16] = {
        PORTAL_SHORT, PORTAL_SHORT, PORTAL_SHORT, PORTAL_SHORT, PORTAL_SHORT, PORTAL_SHORT, PORTAL_SHORT, PORTAL_SHORT,
        (signed char)(PORTAL_LONG | PORTAL_OVERLONG2 | PORTAL_TWO_CONTS | PORTAL_OVERLONG3 | PORTAL_LARGE_1000 | PORTAL_OVERLONG4),
        (signed char)(PORTAL_LONG | PORTAL_OVERLONG2 | PORTAL_TWO_CONTS | PORTAL_OVERLONG3 | PORTAL_TOO_LARGE),
        (signed char)(PORTAL_LONG | PORTAL_OVERLONG2 | PORTAL_TWO_CONTS | PORTAL_SURROGATE | PORTAL_TOO_LARGE),
        (signed char)(PORTAL_LONG | PORTAL_OVERLONG2 | PORTAL_TWO_CONTS | PORTAL_SURROGATE | PORTAL_TOO_LARGE),
        PORTAL_SHORT, PORTAL_SHORT, PORTAL_SHORT, PORTAL_SHORT};
    const __m256i tableFirstHigh = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)firstHigh));
    const __m256i tableFirstLow = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)firstLow));
    const __m256i tableSecondHigh = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)secondHigh));
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    // A lead byte among a block's last three may begin a form the next block ends.
    const __m256i openMax = _mm256_setr_epi8(
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, (char)0xEF, (char)0xDF, (char)0xBF);
    __m256i error = _mm256_setzero_si256(), previous = _mm256_setzero_si256(), open = _mm256_setzero_si256();
    unsigned char rest[32];
    unsigned long index = 0;
    for (;;) {
        __m256i input;
        int last = index + 32 > count;
        if (!last) {
            input = _mm256_loadu_si256((const __m256i *)(bytes + index));
        } else {
            // The last bytes followed by zeros: a form the text ends in the middle of is
            // followed by ASCII, which is an error in the block itself.
            memset(rest, 0, sizeof rest);
            memcpy(rest, bytes + index, count - index);
            input = _mm256_loadu_si256((const __m256i *)rest);
        }
        if (_mm256_movemask_epi8(input) == 0) {
            // All ASCII: right, unless the block before left a form open.
            error = _mm256_or_si256(error, open);
            open = _mm256_setzero_si256();
        } else {
            // The bytes one, two and three places before each byte (across the blocks).
            __m256i across = _mm256_permute2x128_si256(previous, input, 0x21);
            __m256i before1 = _mm256_alignr_epi8(input, across, 15);
            __m256i before2 = _mm256_alignr_epi8(input, across, 14);
            __m256i before3 = _mm256_alignr_epi8(input, across, 13);
            __m256i special = _mm256_and_si256(
                _mm256_and_si256(_mm256_shuffle_epi8(tableFirstHigh, _mm256_and_si256(_mm256_srli_epi16(before1, 4), low4)),
                                 _mm256_shuffle_epi8(tableFirstLow, _mm256_and_si256(before1, low4))),
                _mm256_shuffle_epi8(tableSecondHigh, _mm256_and_si256(_mm256_srli_epi16(input, 4), low4)));
            // 0x80 where the byte must be a form's third or fourth byte (E0..FF two
            // before, F0..FF three before), which is where TWO_CONTS must be, and only there.
            __m256i third = _mm256_subs_epu8(before2, _mm256_set1_epi8((char)(0xE0 - 0x80)));
            __m256i fourth = _mm256_subs_epu8(before3, _mm256_set1_epi8((char)(0xF0 - 0x80)));
            __m256i must = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
            error = _mm256_or_si256(error, _mm256_xor_si256(must, special));
            open = _mm256_subs_epu8(input, openMax);
        }
        previous = input;
        if (last) break;
        index += 32;
    }
    // The last block is always padded (all zeros when the text fills its blocks): a form
    // left open at the end is an error in it.
    return _mm256_testz_si256(error, error);
}
#endif

int portal_utf8_valid(const unsigned char *bytes, unsigned long count) {
#if defined(__x86_64__)
    if (count >= 32 && __builtin_cpu_supports("avx2")) return portal_utf8_valid_avx2(bytes, count);
#endif
    return portal_utf8_valid_scalar(bytes, count);
}
