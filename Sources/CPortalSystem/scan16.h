// Finding the first byte of a kind in a text, sixteen bytes at a time: the one loop of
// the program's text scans (cmark-gfm's HTML escaping, XML and JSON escaping, quoted
// front matter). Each scan gives the bytes it looks for twice: as a mask of sixteen
// lanes (SSE2, which every x86-64 processor has) and one byte at a time (for the bytes
// the mask does not reach, and on other processors); `options` is passed to both.
#ifndef PORTAL_SCAN16_H
#define PORTAL_SCAN16_H

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Not checked by the address sanitizer, which would take the read past a text's end
// below for an overflow; nor is any function it is written into.
#define PORTAL_READS_AHEAD __attribute__((no_sanitize("address")))

typedef int (*portal_byte_test)(unsigned char byte, int options);
#if defined(__SSE2__)
typedef unsigned (*portal_lane_test)(__m128i bytes, int options);
#endif

/// The index of the first byte of `bytes[index..<count]` that the test takes, `count`
/// when there is none. The last bytes (fewer than sixteen) are read as sixteen where
/// those stay within the page of memory they start on (no page ends before), and the
/// lanes after the text dropped. Inlined with its tests into each scan.
#if defined(__SSE2__)
PORTAL_READS_AHEAD __attribute__((always_inline))
static inline size_t portal_scan16(const unsigned char *bytes, size_t index, size_t count, int options,
                                   portal_lane_test lanes, portal_byte_test byte) {
    while (index + 16 <= count) {
        unsigned mask = lanes(_mm_loadu_si128((const __m128i *)(bytes + index)), options);
        if (mask) return index + (size_t)__builtin_ctz(mask);
        index += 16;
    }
    if (index < count && ((uintptr_t)(bytes + index) & 4095) <= 4096 - 16) {
        unsigned mask = lanes(_mm_loadu_si128((const __m128i *)(bytes + index)), options) & ((1u << (count - index)) - 1);
        return mask ? index + (size_t)__builtin_ctz(mask) : count;
    }
    while (index < count && !byte(bytes[index], options)) index++;
    return index;
}
#define PORTAL_SCAN16(bytes, index, count, options, lanes, byte) portal_scan16(bytes, index, count, options, lanes, byte)
#else
__attribute__((always_inline))
static inline size_t portal_scan_bytes(const unsigned char *bytes, size_t index, size_t count, int options, portal_byte_test byte) {
    while (index < count && !byte(bytes[index], options)) index++;
    return index;
}
#define PORTAL_SCAN16(bytes, index, count, options, lanes, byte) portal_scan_bytes(bytes, index, count, options, byte)
#endif

#endif
