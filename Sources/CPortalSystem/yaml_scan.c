#include <stddef.h>
#include "portal_system.h"
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

static inline int portal_yaml_special(unsigned char byte, unsigned char quote) {
    return byte == quote || byte == '\\' || byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == 0xE2 || byte == 0xEF;
}

size_t portal_next_yaml_special(const unsigned char *bytes, size_t index, size_t count, unsigned char quote) {
#if defined(__x86_64__)
    const __m128i controlMax = _mm_set1_epi8(0x1F);
    while (index + 16 <= count) {
        __m128i v = _mm_loadu_si128((const __m128i *)(bytes + index));
        __m128i found = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)quote)), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                     _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, controlMax), controlMax), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
        found = _mm_or_si128(found, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC2)), _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE2))),
                                                 _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xEF))));
        unsigned mask = (unsigned)_mm_movemask_epi8(found);
        if (mask) return index + (size_t)__builtin_ctz(mask);
        index += 16;
    }
#endif
    while (index < count && !portal_yaml_special(bytes[index], quote)) index++;
    return index;
}
