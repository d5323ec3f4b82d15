#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "portal_system.h"

// cmark-gfm allocates every node, text and buffer of a document on its own, with calloc,
// and frees them one by one: a fifth of the time a page's Markdown took. It takes any
// allocator with calloc, realloc and free (cmark_mem, the same three pointers as here);
// this one hands out memory from chunks that belong to the thread, frees nothing on its
// own, and is emptied at once when the document is done. A page is parsed and rendered
// on one thread from start to end, so the thread's chunks are never shared.

typedef struct portal_chunk {
    struct portal_chunk *previous;
    size_t size;
    size_t used;
    size_t padding;  // the bytes start 32 bytes in: aligned as malloc's
    unsigned char bytes[];
} portal_chunk;

// Each allocation is preceded by its size and a zero word (16 bytes, to keep 16-byte
// alignment). The byte just before a block is 0, as before a block of the C library's
// malloc (the high byte of its size): cmark-gfm 0.29.0.gfm.6's autolink extension reads
// that byte when a text starts with `mailto:` or `xmpp:` (GHSA-c944-cv5f-hpvr, fixed
// upstream in 0.29.0.gfm.7). Left as it was, it held whatever the thread's previous
// document had there, and a page's HTML could depend on the page rendered before it.
#define PORTAL_HEADER 16
#define PORTAL_ROUND(size) (((size) + 15) & ~(size_t)15)

static _Thread_local portal_chunk *portal_current;
static _Thread_local unsigned char *portal_last;  // grown in place by realloc

static void *portal_arena_allocate(size_t size) {
    size_t need = PORTAL_HEADER + PORTAL_ROUND(size);
    if (need < size) abort();
    if (!portal_current || portal_current->size - portal_current->used < need) {
        size_t chunkSize = portal_current ? portal_current->size * 2 : 256 * 1024;
        if (chunkSize < need) chunkSize = need;
        portal_chunk *chunk = malloc(sizeof(portal_chunk) + chunkSize);
        if (!chunk) abort();
        chunk->previous = portal_current;
        chunk->size = chunkSize;
        chunk->used = 0;
        portal_current = chunk;
    }
    unsigned char *block = portal_current->bytes + portal_current->used;
    portal_current->used += need;
    ((size_t *)block)[0] = size;
    ((size_t *)block)[1] = 0;
    portal_last = block + PORTAL_HEADER;
    return portal_last;
}

static void *portal_arena_calloc(size_t count, size_t size) {
    // Checked without a division: three million calls for the 10k corpus.
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) abort();
    void *memory = portal_arena_allocate(total);
    memset(memory, 0, total);
    return memory;
}

static void *portal_arena_realloc(void *pointer, size_t size) {
    if (!pointer) return portal_arena_allocate(size);
    size_t *header = (size_t *)((unsigned char *)pointer - PORTAL_HEADER);
    size_t old = *header;
    // The last allocation (a buffer being written, the commonest case) grows where it is.
    if ((unsigned char *)pointer == portal_last) {
        size_t have = PORTAL_ROUND(old), want = PORTAL_ROUND(size);
        if (want <= have || portal_current->size - portal_current->used >= want - have) {
            if (want > have) portal_current->used += want - have;
            *header = size;
            return pointer;
        }
    }
    void *moved = portal_arena_allocate(size);
    memcpy(moved, pointer, old < size ? old : size);
    return moved;
}

static void portal_arena_free(void *pointer) { (void)pointer; }

static const struct {
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
} portal_arena_allocator = {portal_arena_calloc, portal_arena_realloc, portal_arena_free};

const void *portal_markdown_arena(void) { return &portal_arena_allocator; }

void portal_markdown_arena_reset(void) {
    // The newest chunk (the largest) is kept for the next document; the others go.
    if (!portal_current) return;
    portal_chunk *older = portal_current->previous;
    while (older) {
        portal_chunk *next = older->previous;
        free(older);
        older = next;
    }
    portal_current->previous = NULL;
    portal_current->used = 0;
    portal_last = NULL;
}

void portal_markdown_arena_fill(const unsigned char *pattern, unsigned long length) {
    if (!portal_current || length == 0) return;
    for (size_t index = portal_current->used; index < portal_current->size; index++) {
        portal_current->bytes[index] = pattern[index % length];
    }
}
