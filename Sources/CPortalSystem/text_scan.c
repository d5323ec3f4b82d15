// The program's own scans of text (declared in portal_system.h), each a set of bytes
// given to portal_scan16.
#include "portal_system.h"
#include "scan16.h"

// XML and HTML escaping: `<`, `>`, `&`, `"`; `'` with option 1; with option 2 a control
// character other than a line feed, tab or carriage return.
enum { PORTAL_XML_APOSTROPHE = 1, PORTAL_XML_CONTROLS = 2 };

static inline int portal_xml_byte(unsigned char byte, int options) {
    switch (byte) {
    case '<': case '>': case '&': case '"': return 1;
    case '\'': return (options & PORTAL_XML_APOSTROPHE) != 0;
    case '\n': case '\t': case '\r': return 0;
    default: return (options & PORTAL_XML_CONTROLS) && byte < 0x20;
    }
}

#if defined(__SSE2__)
/// Lanes of 0x1F or less: controls.
static inline __m128i portal_controls(__m128i v) {
    const __m128i controlMax = _mm_set1_epi8(0x1F);
    return _mm_cmpeq_epi8(_mm_max_epu8(v, controlMax), controlMax);
}

static inline unsigned portal_xml_lanes(__m128i v, int options) {
    __m128i found = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')), _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));
    if (options & PORTAL_XML_APOSTROPHE) found = _mm_or_si128(found, _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
    if (options & PORTAL_XML_CONTROLS) {
        __m128i kept = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
        found = _mm_or_si128(found, _mm_andnot_si128(kept, portal_controls(v)));
    }
    return (unsigned)_mm_movemask_epi8(found);
}
#endif

PORTAL_READS_AHEAD
size_t portal_next_xml_escape(const unsigned char *bytes, size_t index, size_t count, int apostrophe, int dropControls) {
    int options = (apostrophe ? PORTAL_XML_APOSTROPHE : 0) | (dropControls ? PORTAL_XML_CONTROLS : 0);
    return PORTAL_SCAN16(bytes, index, count, options, portal_xml_lanes, portal_xml_byte);
}

// The search index's JSON strings: controls, `"`, `\`, `<`, and 0xE2 (U+2028, U+2029).
static inline int portal_json_byte(unsigned char byte, int options) {
    (void)options;
    return byte < 0x20 || byte == '"' || byte == '\\' || byte == '<' || byte == 0xE2;
}

#if defined(__SSE2__)
static inline unsigned portal_json_lanes(__m128i v, int options) {
    (void)options;
    __m128i found = _mm_or_si128(_mm_or_si128(portal_controls(v), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
                                 _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))),
                                              _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE2))));
    return (unsigned)_mm_movemask_epi8(found);
}
#endif

PORTAL_READS_AHEAD
size_t portal_next_json_special(const unsigned char *bytes, size_t index, size_t count) {
    return PORTAL_SCAN16(bytes, index, count, 0, portal_json_lanes, portal_json_byte);
}

// Quoted front matter: the quote (the option), `\`, controls and 0x7F, and the first
// bytes of U+0080–U+009F (0xC2), U+2028/9 (0xE2) and U+FEFF/FFFE/FFFF (0xEF).
static inline int portal_yaml_byte(unsigned char byte, int quote) {
    return byte == quote || byte == '\\' || byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == 0xE2 || byte == 0xEF;
}

#if defined(__SSE2__)
static inline unsigned portal_yaml_lanes(__m128i v, int quote) {
    __m128i found = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)quote)), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                 _mm_or_si128(portal_controls(v), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
    found = _mm_or_si128(found, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC2)), _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE2))),
                                             _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xEF))));
    return (unsigned)_mm_movemask_epi8(found);
}
#endif

PORTAL_READS_AHEAD
size_t portal_next_yaml_special(const unsigned char *bytes, size_t index, size_t count, unsigned char quote) {
    return PORTAL_SCAN16(bytes, index, count, quote, portal_yaml_lanes, portal_yaml_byte);
}
