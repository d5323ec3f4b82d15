// XXH3 compiled a second time for AVX2, which the rest of the program is not compiled
// for: the same hashes (XXH3 gives the same bits with every instruction set), about
// twice as fast over a page's HTML. portal_hash128 uses it where the processor has AVX2.
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#pragma clang attribute push (__attribute__((target("avx2"))), apply_to = function)
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX2
#include <xxhash.h>

void portal_hash128_avx2(const void *bytes, unsigned long count, unsigned long long *high, unsigned long long *low) {
    XXH128_hash_t hash = XXH3_128bits(bytes, count);
    *high = hash.high64;
    *low = hash.low64;
}
#pragma clang attribute pop
#endif
