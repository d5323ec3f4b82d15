#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "portal_system.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__SSE2__)
/// Sixteen ASCII bytes folded as the table's first 128 entries fold each: letters
/// lower-cased, digits kept, any other byte a space (the lanes of bytes of 0x80 or more
/// come out as anything: the caller keeps only those before the first of them).
static inline __m128i portal_fold16(__m128i v) {
    __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('Z' + 1), v));
    __m128i lower = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('z' + 1), v));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
    __m128i kept = _mm_or_si128(_mm_or_si128(upper, lower), digit);
    __m128i lowered = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    return _mm_or_si128(_mm_and_si128(kept, lowered), _mm_andnot_si128(kept, _mm_set1_epi8(' ')));
}
#endif

/// A fold table entry's one to three letters, stored as four bytes (the output has room)
/// and kept as many; where the output goes on.
static inline unsigned char *portal_put_letters(unsigned char *out, uint32_t packed) {
    uint32_t letters = packed >> 8;
    memcpy(out, &letters, 4);
    return out + (packed & 0xFF);
}

size_t portal_search_fold(const unsigned char *in, size_t count, size_t *position, unsigned char *out, const unsigned int *table) {
    unsigned char *start = out;
    size_t index = *position;
    while (index < count) {
        unsigned char lead = in[index];
        if (lead < 0x80) {
#if defined(__SSE2__)
            // Sixteen bytes at a time, stored whole (the output has room for three times
            // the input left, and sixteen more) and kept up to the first byte not ASCII.
            int stopped = 0;
            while (index + 16 <= count) {
                __m128i bytes = _mm_loadu_si128((const __m128i *)(in + index));
                int high = _mm_movemask_epi8(bytes);
                _mm_storeu_si128((__m128i *)out, portal_fold16(bytes));
                if (high != 0) {
                    int ascii = __builtin_ctz((unsigned)high);
                    index += (size_t)ascii;
                    out += ascii;
                    // A letter of two bytes that the table folds (Polish, Slovenian and
                    // Romanian letters with diacritics, a sixteenth of a Polish text's
                    // bytes) is folded here, and the loop goes on after it.
                    unsigned char next = in[index];
                    if ((next & 0xE0) == 0xC0 && index + 1 < count) {
                        int entry = portal_fold_latin_index((uint32_t)(next & 0x1F) << 6 | (in[index + 1] & 0x3F));
                        if (entry >= 0) {
                            out = portal_put_letters(out, table[entry]);
                            index += 2;
                            continue;
                        }
                    }
                    stopped = 1;
                    break;
                }
                index += 16;
                out += 16;
            }
            if (stopped) continue;
#endif
            while (index < count && in[index] < 0x80) {
                *out++ = (unsigned char)(table[in[index]] >> 8);
                index++;
            }
            continue;
        }
        // A sequence of two to four bytes (valid UTF-8: the lead byte gives its length).
        size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        uint32_t value = lead & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
        for (size_t offset = 1; offset < length; offset++) value = value << 6 | (in[index + offset] & 0x3F);
        if (value >= 0x300 && value <= 0x36F) {
            index += length;  // a combining diacritic: dropped
            continue;
        }
        int entry = portal_fold_latin_index(value);
        if (entry < 0) break;  // a character of another script, a space or a sign: the caller's
        out = portal_put_letters(out, table[entry]);
        index += length;
    }
    *position = index;
    return (size_t)(out - start);
}
