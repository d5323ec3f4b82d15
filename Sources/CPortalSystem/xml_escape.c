#include <stddef.h>
#include <stdint.h>
#include "portal_system.h"
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

static inline int portal_xml_escaped(unsigned char byte, int apostrophe, int dropControls) {
    switch (byte) {
    case '<': case '>': case '&': case '"': return 1;
    case '\'': return apostrophe;
    case '\n': case '\t': case '\r': return 0;
    default: return dropControls && byte < 0x20;
    }
}

#if defined(__x86_64__)
/// Which of the sixteen bytes at `at` need an escape, as bits.
__attribute__((no_sanitize("address")))
static inline unsigned portal_xml_mask(const unsigned char *at, int apostrophe, int dropControls) {
    __m128i v = _mm_loadu_si128((const __m128i *)at);
    __m128i found = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')), _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));
    if (apostrophe) found = _mm_or_si128(found, _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
    if (dropControls) {
        // A byte of 0x1F or less, but not a line feed, tab or carriage return.
        const __m128i controlMax = _mm_set1_epi8(0x1F);
        __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, controlMax), controlMax);
        __m128i kept = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
        found = _mm_or_si128(found, _mm_andnot_si128(kept, control));
    }
    return (unsigned)_mm_movemask_epi8(found);
}
#endif

// The last bytes (fewer than sixteen) are read as sixteen where that stays within the
// page of memory they are on (no page ends before), and the bits after them dropped.
__attribute__((no_sanitize("address")))
size_t portal_next_xml_escape(const unsigned char *bytes, size_t index, size_t count, int apostrophe, int dropControls) {
#if defined(__x86_64__)
    while (index + 16 <= count) {
        unsigned mask = portal_xml_mask(bytes + index, apostrophe, dropControls);
        if (mask) return index + (size_t)__builtin_ctz(mask);
        index += 16;
    }
    if (index < count && ((uintptr_t)(bytes + index) & 4095) <= 4096 - 16) {
        unsigned mask = portal_xml_mask(bytes + index, apostrophe, dropControls) & ((1u << (count - index)) - 1);
        return mask ? index + (size_t)__builtin_ctz(mask) : count;
    }
#endif
    while (index < count && !portal_xml_escaped(bytes[index], apostrophe, dropControls)) index++;
    return index;
}
