#ifndef PORTAL_SYSTEM_H
#define PORTAL_SYSTEM_H

#include <stddef.h>

/// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise.
int portal_rename_exchange(const char *a, const char *b);

/// Reads the next names of the open folder fd into buffer as Linux dirent64 records
/// (getdents64): the bytes read, 0 at the end, -1 with errno set on failure.
long portal_read_folder(int fd, void *buffer, unsigned long size);

/// Flushes the file system that holds the open file descriptor fd (Linux syncfs).
int portal_syncfs(int fd);

/// Opens an existing file (`path` relative to the open folder `folder`, or AT_FDCWD) to
/// read and write it, without updating its access time where the system allows that.
/// Returns the descriptor, or -1 with errno set.
int portal_open_existing(int folder, const char *path);

/// Whether the open regular file fd holds exactly the `count` bytes at `bytes` (the file
/// is the same size): read back in chunks and compared, stopping at the first chunk
/// that differs. Returns 1 or 0.
int portal_file_holds(int fd, const void *bytes, unsigned long count);

/// The 128-bit XXH3 hash of the `count` bytes at `bytes` (xxHash, compiled in from
/// Debian's libxxhash-dev header): what the record of output files keeps of each file,
/// and what a render key takes of a long text. With AVX2 where the processor has it.
void portal_hash128(const void *bytes, unsigned long count, unsigned long long *high, unsigned long long *low);
/// The same, always with the instructions every x86-64 processor has (SSE2): the tests
/// check that portal_hash128, which takes AVX2 where the processor has it, agrees.
void portal_hash128_baseline(const void *bytes, unsigned long count, unsigned long long *high, unsigned long long *low);

/// The index of the first byte of `bytes[index..<count]` that XML escaping (PortalRender's
/// XML.escape) writes otherwise: `<`, `>`, `&`, `"`, with `apostrophe` `'`, with
/// `dropControls` a control character other than a line feed, tab or carriage return;
/// `count` when there is none. Sixteen bytes at a time.
size_t portal_next_xml_escape(const unsigned char *bytes, size_t index, size_t count, int apostrophe, int dropControls);

/// The index of the first byte of `bytes[index..<count]` that a JSON string literal of
/// the search index may have to write otherwise (PortalRender's JSON): a control
/// character, `"`, `\`, `<`, or 0xE2 (which starts U+2028 and U+2029); `count` when
/// there is none. Sixteen bytes at a time.
size_t portal_next_json_special(const unsigned char *bytes, size_t index, size_t count);

/// The index of the first byte of `bytes[index..<count]` that may end or change quoted
/// YAML text (PortalContent's flat front matter): `quote`, `\`, a control character
/// (below 0x20, or 0x7F), or the first byte of a character YAML may refuse or take for a
/// line break (0xC2, 0xE2, 0xEF); `count` when there is none. Sixteen bytes at a time.
size_t portal_next_yaml_special(const unsigned char *bytes, size_t index, size_t count, unsigned char quote);

/// Search folding (PortalCore's Slug) of the valid UTF-8 `in[*position..<count]`, written
/// at `out` (room for three times the bytes left and sixteen more): ASCII and the Latin
/// letters of `table` (packed as Slug's fold table packs them) folded, combining
/// diacritics (U+0300–U+036F) dropped. Moves `*position` to where it stopped: `count`, or a
/// character it does not fold (another script's, a space or a sign), for the caller.
/// Returns the number of bytes written.
size_t portal_search_fold(const unsigned char *in, size_t count, size_t *position, unsigned char *out, const unsigned int *table);

/// The fold table's layout, shared by Slug (which builds it) and portal_search_fold: the
/// 128 ASCII bytes, then U+00C0–U+024F, then U+1E00–U+1EFF. Each entry packs a count of
/// one to three letters in its low byte and the letters above it.
enum { PORTAL_FOLD_TABLE_SIZE = 128 + 0x190 + 0x100 };

/// The entry of a Latin letter with diacritics in the fold table (U+00C0–U+024F or
/// U+1E00–U+1EFF), -1 for any other character.
static inline int portal_fold_latin_index(unsigned int value) {
    if (value >= 0xC0 && value <= 0x24F) return (int)(128 + value - 0xC0);
    if (value >= 0x1E00 && value <= 0x1EFF) return (int)(128 + 0x190 + value - 0x1E00);
    return -1;
}

/// How often cmark-gfm called the program's cmark_manage_extensions_special_characters
/// before its characters were fixed (twice per document whose inlines were parsed, when
/// the library calls it at all).
long portal_cmark_inline_character_calls(void);

/// Adds the inline characters of the extensions attached to the cmark-gfm parser
/// `parser` to cmark-gfm's global table for good, after which parsers no longer add or
/// take them out, so that inlines can be parsed on every core at once. Call it once,
/// before any other parser runs, and only when the library calls the program's function
/// (see above). Returns 1 when that is done, 0 when the library's function is not found.
int portal_cmark_fix_inline_characters(void *parser);

/// Turns the program's HTML escaping for cmark-gfm's renderer on (1) or off (0, the
/// library's own, as at start). Both write the same bytes.
void portal_cmark_fast_escape(int on);
/// Whether cmark-gfm's escaping function resolves to the program's (1) or not (0).
int portal_cmark_escape_is_interposed(void);
/// Whether the program's escaping writes what the library's own does for the `size`
/// bytes at `source`: 1 or 0, -1 when the library's function is not found.
int portal_cmark_escape_matches_library(const unsigned char *source, int size, int secure);

/// A cmark-gfm allocator (a `cmark_mem`) that hands out memory from the calling thread's
/// chunks and frees nothing on its own: everything a document allocated goes at once
/// with portal_markdown_arena_reset, called on the same thread when it is done.
const void *portal_markdown_arena(void);
void portal_markdown_arena_reset(void);
/// Fills the thread's arena memory not in use with `pattern` over and over, as a
/// document rendered before may have left it: the tests check that no rendering
/// depends on what was there.
void portal_markdown_arena_fill(const unsigned char *pattern, unsigned long length);

/// 1 when the bytes are well-formed UTF-8, else 0.
int portal_utf8_valid(const unsigned char *bytes, unsigned long count);

/// Flags and counters shared by the threads that render pages, read and changed
/// without a lock (a flag only ever goes from 0 to 1).
static inline int portal_flag_is_set(const unsigned char *flag) { return __atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0; }
static inline void portal_flag_set(unsigned char *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELEASE); }
static inline void portal_counter_add(long *counter, long value) { __atomic_fetch_add(counter, value, __ATOMIC_RELAXED); }
static inline long portal_counter_read(const long *counter) { return __atomic_load_n(counter, __ATOMIC_RELAXED); }

#endif
