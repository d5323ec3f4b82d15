#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include "portal_system.h"
#include "scan16.h"

// cmark-gfm's HTML renderer escapes every text of a document through
// houdini_escape_html0, which looks each byte up in a table and leaves the loop for
// every run: over a third of the instructions of the library's renderer on the 10k
// corpus (164 million of 435), most of them over text that has nothing to escape. The library calls the function through its
// procedure linkage table, so this definition in the program is the one it calls (as
// for cmark_manage_extensions_special_characters). It writes the same bytes: `"`, `&`,
// `<` and `>` as entities, and `'` and `/` too when `secure` is set (the library's
// table, checked by the tests against the library's own function), looking for them
// sixteen bytes at a time. Until portal_cmark_fast_escape(1) it passes every call to
// the library's own function: bench/cmark-floor measures cmark-gfm as it is.

// The library's string buffer (cmark-gfm/buffer.h, whose config.h Debian does not ship).
typedef struct {
    void *mem;
    unsigned char *ptr;
    int32_t asize, size;
} portal_strbuf;

extern void cmark_strbuf_put(portal_strbuf *buffer, const unsigned char *data, int32_t length);
extern void cmark_strbuf_init(void *mem, portal_strbuf *buffer, int32_t initial_size);
extern void cmark_strbuf_free(portal_strbuf *buffer);
extern void *cmark_get_default_mem_allocator(void);

typedef int (*portal_escape_function)(portal_strbuf *, const uint8_t *, int32_t, int);

static atomic_int portal_fast_escape_on;

void portal_cmark_fast_escape(int on) { atomic_store(&portal_fast_escape_on, on); }

static portal_escape_function portal_library_escape(void) {
    static _Atomic(portal_escape_function) library;
    portal_escape_function found = atomic_load_explicit(&library, memory_order_acquire);
    if (!found) {
        found = (portal_escape_function)dlsym(RTLD_NEXT, "houdini_escape_html0");
        atomic_store_explicit(&library, found, memory_order_release);
    }
    return found;
}

static inline int portal_escaped(unsigned char byte, int secure) {
    switch (byte) {
    case '"': case '&': case '<': case '>': return 1;
    case '\'': case '/': return secure;
    default: return 0;
    }
}

#if defined(__SSE2__)
// Which of the sixteen bytes are escaped, one bit each.
static inline unsigned portal_escaped_lanes(__m128i bytes, int secure) {
    __m128i found = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('&'))),
                                 _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('<')), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('>'))));
    if (secure) found = _mm_or_si128(found, _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('\'')), _mm_cmpeq_epi8(bytes, _mm_set1_epi8('/'))));
    return (unsigned)_mm_movemask_epi8(found);
}
#endif

// The index of the first byte from `index` on that is escaped, or `size`: the last
// bytes too are read sixteen at once where they can be (portal_scan16), since most texts
// are short, and a byte at a time they cost more than all the rest.
PORTAL_READS_AHEAD
static inline int32_t portal_next_escaped(const uint8_t *source, int32_t index, int32_t size, int secure) {
    return (int32_t)PORTAL_SCAN16(source, (size_t)index, (size_t)size, secure, portal_escaped_lanes, portal_escaped);
}

PORTAL_READS_AHEAD
static inline __attribute__((always_inline)) int portal_escape_html(portal_strbuf *buffer, const uint8_t *source, int32_t size, int secure) {
    int32_t start = 0;
    while (start < size) {
        int32_t index = portal_next_escaped(source, start, size, secure);
        if (index > start) cmark_strbuf_put(buffer, source + start, index - start);
        if (index >= size) break;
        const char *entity;
        switch (source[index]) {
        case '"': entity = "&quot;"; break;
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '\'': entity = "&#39;"; break;
        default: entity = "&#47;"; break;
        }
        cmark_strbuf_put(buffer, (const unsigned char *)entity, (int32_t)strlen(entity));
        start = index + 1;
    }
    return 1;
}

PORTAL_READS_AHEAD
int houdini_escape_html0(portal_strbuf *buffer, const uint8_t *source, int32_t size, int secure) {
    if (atomic_load_explicit(&portal_fast_escape_on, memory_order_relaxed)) return portal_escape_html(buffer, source, size, secure);
    portal_escape_function library = portal_library_escape();
    return library ? library(buffer, source, size, secure) : portal_escape_html(buffer, source, size, secure);
}

int portal_cmark_escape_is_interposed(void) {
    return dlsym(RTLD_DEFAULT, "houdini_escape_html0") == (void *)houdini_escape_html0;
}

PORTAL_READS_AHEAD
int portal_cmark_escape_matches_library(const unsigned char *source, int size, int secure) {
    portal_escape_function library = portal_library_escape();
    if (!library) return -1;
    portal_strbuf theirs, ours;
    cmark_strbuf_init(cmark_get_default_mem_allocator(), &theirs, 0);
    cmark_strbuf_init(cmark_get_default_mem_allocator(), &ours, 0);
    library(&theirs, source, size, secure);
    portal_escape_html(&ours, source, size, secure);
    int same = theirs.size == ours.size && memcmp(theirs.ptr, ours.ptr, (size_t)ours.size) == 0;
    cmark_strbuf_free(&theirs);
    cmark_strbuf_free(&ours);
    return same;
}
