#include <stddef.h>
#include "portal_system.h"
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

static inline int portal_json_special(unsigned char byte) {
    return byte < 0x20 || byte == '"' || byte == '\\' || byte == '<' || byte == 0xE2;
}

size_t portal_next_json_special(const unsigned char *bytes, size_t index, size_t count) {
#if defined(__x86_64__)
    const __m128i controlMax = _mm_set1_epi8(0x1F);
    while (index + 16 <= count) {
        __m128i v = _mm_loadu_si128((const __m128i *)(bytes + index));
        __m128i found = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, controlMax), controlMax), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
                                     _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))),
                                                  _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE2))));
        unsigned mask = (unsigned)_mm_movemask_epi8(found);
        if (mask) return index + (size_t)__builtin_ctz(mask);
        index += 16;
    }
#endif
    while (index < count && !portal_json_special(bytes[index])) index++;
    return index;
}
