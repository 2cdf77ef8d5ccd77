/* jsonw: cJSON_PrintUnformatted's text without its tree. The number rules are cJSON's (1.7.15):
 * 15 significant digits, or 17 when 15 do not read back within one epsilon; NaN and infinities
 * as null. Whole numbers below 10^15 take a digit loop instead of printf, which gives the same
 * text. */
#include "engine/core/jsonw.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(jsonw_t *w, size_t capacity) {
    memset(w, 0, sizeof *w);
    w->capacity = capacity; /* a hint until the first allocation */
}

void jsonw_close(jsonw_t *w) {
    if (w->data != NULL)
        free(w->data);
    memset(w, 0, sizeof *w);
}

char *jsonw_finish(jsonw_t *w) {
    char *text = NULL;
    if (!w->is_failed && (w->data != NULL || jsonw_grow(w, 1) == 0)) {
        w->data[w->length] = '\0';
        text = w->data;
        w->data = NULL;
    }
    jsonw_close(w);
    return text;
}

int jsonw_grow(jsonw_t *w, size_t more) {
    if (w->is_failed)
        return -1;
    size_t needed = w->length + more + 1;
    if (w->data != NULL && needed <= w->capacity)
        return 0;
    size_t capacity = w->capacity > 64 ? w->capacity : 64;
    while (capacity < needed)
        capacity *= 2;
    char *data = realloc(w->data, capacity);
    if (data == NULL) {
        w->is_failed = 1;
        return -1;
    }
    w->data = data;
    w->capacity = capacity;
    return 0;
}

void jsonw_raw(jsonw_t *w, const char *text, size_t size) {
    if ((w->data == NULL || w->length + size + 1 > w->capacity) && jsonw_grow(w, size))
        return;
    memcpy(w->data + w->length, text, size);
    w->length += size;
}

/* ---- strings ---------------------------------------------------------------------------- */

/* What cJSON writes for a byte that needs escaping, or 0 for a byte copied as it is. */
static char escape_of(unsigned char c) {
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return c < 32 ? 'u' : 0;
    }
}

#define BYTES(b) (0x0101010101010101ULL * (uint8_t)(b))

/* Flags (bit 7 of the byte) the zero bytes of 'word'; the lowest flag is always exact. */
static uint64_t zero_bytes(uint64_t word) { return (word - BYTES(1)) & ~word & BYTES(0x80); }

/* 1 for the bytes that need an escape: below 32, '"' and '\\'. */
static const unsigned char SPECIAL[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

/* Makes room for 'more' bytes after the text written so far; returns 0, or -1 when memory ran
 * out. */
static int reserve(jsonw_t *w, size_t more) {
    if (w->data != NULL && w->length + more + 1 <= w->capacity)
        return 0;
    return jsonw_grow(w, more);
}

/* Copies the bytes of 's' from 'from' that need no escape to 'out', up to the first that
 * does or 'length'; returns the index where it stopped and advances '*out' as far. Looks at
 * eight bytes a step (most strings have nothing to escape), storing each step whole: 'out'
 * has room for the rest of the string. */
static size_t copy_plain(const unsigned char *s, size_t from, size_t length, char **out) {
    size_t i = from;
    char *to = *out;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (i + 8 <= length) {
        uint64_t word;
        memcpy(&word, s + i, 8);
        memcpy(to, &word, 8);
        uint64_t special = zero_bytes(word ^ BYTES('"')) | zero_bytes(word ^ BYTES('\\')) |
                           zero_bytes(word & BYTES(0xe0)); /* below 32 */
        if (special) {
            size_t run = (size_t)__builtin_ctzll(special) / 8; /* the first byte is the lowest */
            *out = to + run;
            return i + run;
        }
        to += 8, i += 8;
    }
#endif
    for (; i < length && !SPECIAL[s[i]]; i++)
        *to++ = (char)s[i];
    *out = to;
    return i;
}

/* Writes cJSON's escape of the byte 'c' at 'out' and returns the end. */
static char *put_escape(char *out, unsigned char c) {
    static const char hex[] = "0123456789abcdef";
    char escape = escape_of(c);
    *out++ = '\\';
    if (escape != 'u') {
        *out++ = escape;
        return out;
    }
    memcpy(out, "u00", 3);
    out[3] = hex[c >> 4];
    out[4] = hex[c & 0xf];
    return out + 5;
}

/* Writes the string straight into the buffer: room for it unescaped is made once, and more
 * only when an escape comes. */
void jsonw_string(jsonw_t *w, const char *text) {
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t length = strlen((const char *)s);
    if (reserve(w, length + 2))
        return;
    char *out = w->data + w->length;
    *out++ = '"';
    for (size_t i = 0;;) {
        i = copy_plain(s, i, length, &out);
        if (i == length)
            break;
        w->length = (size_t)(out - w->data);
        if (reserve(w, 6 + (length - i - 1) + 1)) /* the escape, the rest and the quote */
            return;
        out = put_escape(w->data + w->length, s[i++]);
    }
    *out++ = '"';
    w->length = (size_t)(out - w->data);
}

void jsonw_key(jsonw_t *w, const char *key) {
    jsonw_string(w, key);
    jsonw_char(w, ':');
}

void jsonw_member(jsonw_t *w, const char *key, const char *text) {
    jsonw_char(w, ',');
    jsonw_key(w, key);
    jsonw_string(w, text);
}

/* ---- numbers ---------------------------------------------------------------------------- */

/* Two digits a step: times in milliseconds have thirteen. */
size_t jsonw_format_int64(char out[JSONW_INT64_MAX], int64_t value) {
    static const char pairs[] = "0001020304050607080910111213141516171819"
                                "2021222324252627282930313233343536373839"
                                "4041424344454647484950515253545556575859"
                                "6061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";
    char digits[JSONW_INT64_MAX];
    int at = (int)sizeof digits;
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    while (magnitude >= 10) {
        at -= 2;
        memcpy(digits + at, pairs + 2 * (magnitude % 100), 2);
        magnitude /= 100;
    }
    if (magnitude > 0 || at == (int)sizeof digits)
        digits[--at] = (char)('0' + magnitude);
    if (value < 0)
        digits[--at] = '-';
    size_t length = sizeof digits - (size_t)at;
    memcpy(out, digits + at, length);
    out[length] = '\0';
    return length;
}

static void write_integer(jsonw_t *w, int64_t value) {
    char digits[JSONW_INT64_MAX];
    jsonw_raw(w, digits, jsonw_format_int64(digits, value));
}

/* cJSON's test of whether 15 digits read back as the same number. */
static int is_close(double a, double b) {
    double largest = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= largest * DBL_EPSILON;
}

/* Writes 'magnitude' / 10^'scale' in plain decimal notation, without trailing zeros after
 * the point, negated when 'is_negative'. */
static void write_decimal(jsonw_t *w, uint64_t magnitude, int scale, int is_negative) {
    char digits[32];
    int at = (int)sizeof digits;
    for (; scale > 0 && magnitude % 10 == 0; scale--)
        magnitude /= 10;
    for (int i = 0; i < scale; i++) {
        digits[--at] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    }
    if (scale > 0)
        digits[--at] = '.';
    do {
        digits[--at] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (is_negative)
        digits[--at] = '-';
    jsonw_raw(w, digits + at, sizeof digits - (size_t)at);
}

#define SHORT_SCALE_MAX 6 /* fraction digits the short form tries */

/* The short form of a fraction with few decimals (0.1, -2.25, 123.456): when 'value' is the
 * double nearest to m / 10^k for some k <= SHORT_SCALE_MAX and |m| < 10^15, that decimal has
 * at most 15 significant digits, so %1.15g (which reads back exactly: DBL_DIG is 15) prints
 * just those digits, in plain notation while the value is at least 1e-4. Writes it and
 * returns 1, or returns 0 for the general path. */
static int write_short_fraction(jsonw_t *w, double value) {
    static const double powers[SHORT_SCALE_MAX + 1] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    for (int k = 1; k <= SHORT_SCALE_MAX; k++) {
        long long m = llround(value * powers[k]);
        uint64_t magnitude = m < 0 ? 0 - (uint64_t)m : (uint64_t)m;
        if (magnitude >= 1000000000000000ULL)
            return 0;
        if ((double)m / powers[k] != value)
            continue;
        /* Below 1e-4, %g switches to an exponent. */
        if (magnitude * 10000 < (uint64_t)powers[k])
            return 0;
        write_decimal(w, magnitude, k, m < 0);
        return 1;
    }
    return 0;
}

/* Prints 'value' as cJSON does for a number item holding it. */
static void write_number(jsonw_t *w, double value) {
    if (isnan(value) || isinf(value)) {
        jsonw_raw(w, "null", 4);
        return;
    }
    /* Whole numbers of at most 15 digits print as their digits under %1.15g; -0 keeps its
     * sign there. */
    if (fabs(value) < 1e15 && value == (double)(int64_t)value) { /* whole: trunc() is a call */
        if (value == 0 && signbit(value))
            jsonw_raw(w, "-0", 2);
        else
            write_integer(w, (int64_t)value);
        return;
    }
    if (fabs(value) < 1e15 && write_short_fraction(w, value))
        return;
    char text[32];
    int length = snprintf(text, sizeof text, "%1.15g", value);
    char *end;
    double back = strtod(text, &end);
    if (end == text || !is_close(back, value))
        length = snprintf(text, sizeof text, "%1.17g", value);
    jsonw_raw(w, text, (size_t)length);
}

void jsonw_double(jsonw_t *w, double value) { write_number(w, value); }

void jsonw_int64(jsonw_t *w, int64_t value) {
    if (value > -1000000000000000LL && value < 1000000000000000LL)
        write_integer(w, value);
    else
        jsonw_double(w, (double)value);
}

/* ---- cJSON items ------------------------------------------------------------------------ */

static void write_children(jsonw_t *w, const cJSON *item, int is_object) {
    jsonw_char(w, is_object ? '{' : '[');
    for (const cJSON *child = item->child; child != NULL; child = child->next) {
        if (child != item->child)
            jsonw_char(w, ',');
        if (is_object)
            jsonw_key(w, child->string);
        jsonw_item(w, child);
    }
    jsonw_char(w, is_object ? '}' : ']');
}

void jsonw_item(jsonw_t *w, const cJSON *item) {
    if (item == NULL) {
        w->is_failed = 1; /* cJSON refuses to print nothing */
        return;
    }
    switch (item->type & 0xff) {
    case cJSON_NULL: jsonw_raw(w, "null", 4); break;
    case cJSON_False: jsonw_raw(w, "false", 5); break;
    case cJSON_True: jsonw_raw(w, "true", 4); break;
    case cJSON_Number: write_number(w, item->valuedouble); break;
    case cJSON_String: jsonw_string(w, item->valuestring); break;
    case cJSON_Raw:
        if (item->valuestring == NULL)
            w->is_failed = 1;
        else
            jsonw_raw(w, item->valuestring, strlen(item->valuestring));
        break;
    case cJSON_Array: write_children(w, item, 0); break;
    case cJSON_Object: write_children(w, item, 1); break;
    default: w->is_failed = 1; break;
    }
}
