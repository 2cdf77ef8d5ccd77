/* jsonr: a pull reader for nurture's own JSON. */
#include "engine/core/jsonr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


static void skip_space(jsonr_t *r) {
    while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r'))
        r->at++;
}

int jsonr_eat(jsonr_t *r, char c) {
    skip_space(r);
    if (r->at < r->end && *r->at == c) {
        r->at++;
        return 1;
    }
    return 0;
}

int jsonr_at_end(jsonr_t *r) {
    skip_space(r);
    return r->at == r->end;
}

/* Copies 'size' bytes of string body at 'start' with its escapes undone; NULL for \u and
 * unknown escapes (the cJSON reader's job) or when out of memory. */
static char *unescape(const char *start, size_t size, size_t escapes) {
    char *copy = malloc(size - escapes + 1), *out = copy;
    if (copy == NULL)
        return NULL;
    if (escapes == 0) {
        memcpy(copy, start, size);
        copy[size] = '\0';
        return copy;
    }
    for (const char *s = start; s < start + size; s++) {
        if (*s != '\\') {
            *out++ = *s;
            continue;
        }
        int c = jsonr_short_escape(*++s);
        if (c < 0) {
            free(copy);
            return NULL;
        }
        *out++ = (char)c;
    }
    *out = '\0';
    return copy;
}

char *jsonr_string(jsonr_t *r) {
    if (!jsonr_eat(r, '"'))
        return NULL;
    const char *start = r->at;
    size_t escapes = 0;
    for (; r->at < r->end && *r->at != '"'; r->at++) {
        if ((unsigned char)*r->at < 32)
            return NULL;
        if (*r->at == '\\') {
            if (++r->at == r->end)
                return NULL;
            escapes++;
        }
    }
    if (r->at == r->end)
        return NULL;
    size_t size = (size_t)(r->at - start);
    r->at++; /* the closing quote */
    return unescape(start, size, escapes);
}

int jsonr_plain_string(jsonr_t *r, const char **start, size_t *size) {
    if (!jsonr_eat(r, '"'))
        return -1;
    for (const char *at = r->at; at < r->end && *at != '\\' && (unsigned char)*at >= 32; at++)
        if (*at == '"') {
            *start = r->at;
            *size = (size_t)(at - r->at);
            r->at = at + 1;
            return 0;
        }
    r->at--; /* back to the opening quote */
    return -1;
}

static int is_number_char(char c) {
    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.';
}

int jsonr_scan_number(const char **at, const char *end, double *out) {
    const char *start = *at, *stop = start;
    /* Most numbers are integers (times in ms, counts): read them in one pass. */
    int negative = stop < end && *stop == '-';
    stop += negative;
    const char *first = stop;
    int64_t whole = 0; /* up to 15 digits: below 2^53, exact in a double, as strtod gives */
    while (stop < end && *stop >= '0' && *stop <= '9' && stop - first < 15)
        whole = whole * 10 + (*stop++ - '0');
    if (stop > first && (stop == end || !is_number_char(*stop))) {
        *out = negative ? -(double)whole : (double)whole;
        *at = stop;
        return 0;
    }
    /* Anything else (fractions, exponents, longer integers) goes to strtod, over the
     * characters cJSON would take. */
    stop = start;
    while (stop < end && stop - start < 63 && is_number_char(*stop))
        stop++;
    size_t size = (size_t)(stop - start);
    char text[64], *parsed;
    memcpy(text, start, size);
    text[size] = '\0';
    *out = strtod(text, &parsed);
    if (size == 0 || parsed != text + size)
        return -1;
    *at = stop;
    return 0;
}

int jsonr_short_escape(char c) {
    switch (c) {
    case '"': case '\\': case '/': return c;
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return -1;
    }
}

int jsonr_number(jsonr_t *r, double *out) {
    skip_space(r);
    return jsonr_scan_number(&r->at, r->end, out);
}

int jsonr_bool(jsonr_t *r, int *out) {
    skip_space(r);
    size_t left = (size_t)(r->end - r->at);
    if (left >= 4 && memcmp(r->at, "true", 4) == 0) {
        r->at += 4;
        *out = 1;
        return 0;
    }
    if (left >= 5 && memcmp(r->at, "false", 5) == 0) {
        r->at += 5;
        *out = 0;
        return 0;
    }
    return -1;
}

int jsonr_object_into(jsonr_t *r, cJSON **slot) {
    skip_space(r);
    if (r->at == r->end || *r->at != '{')
        return -1;
    const char *after = NULL;
    cJSON *object = cJSON_ParseWithLengthOpts(r->at, (size_t)(r->end - r->at), &after, 0);
    if (object == NULL)
        return -1;
    for (const char *at = r->at; at < after; at++)
        if ((unsigned char)*at < 0x20 && *at != '\t' && *at != '\n' && *at != '\r') {
            cJSON_Delete(object);
            return -1;
        }
    r->at = after;
    cJSON_Delete(*slot);
    *slot = object;
    return 0;
}

int jsonr_member_index(const char *key, const char *const *names, int count, int *seen) {
    for (int i = 0; i < count; i++) {
        if (strcmp(key, names[i]) != 0)
            continue;
        if (*seen & (1 << i))
            return -1;
        *seen |= 1 << i;
        return i;
    }
    return -1;
}

/* Reads a member name and its ':'; NULL when there is none. */
static char *read_key(jsonr_t *r) {
    char *key = jsonr_string(r);
    if (key != NULL && !jsonr_eat(r, ':')) {
        free(key);
        return NULL;
    }
    return key;
}

int jsonr_list(jsonr_t *r, int is_object, int (*each)(jsonr_t *r, const char *key, void *ud),
               void *ud) {
    if (!jsonr_eat(r, is_object ? '{' : '['))
        return -1;
    if (jsonr_eat(r, is_object ? '}' : ']'))
        return 0;
    do {
        char *key = is_object ? read_key(r) : NULL;
        int rc = is_object && key == NULL ? -1 : each(r, key, ud);
        free(key);
        if (rc)
            return -1;
    } while (jsonr_eat(r, ','));
    return jsonr_eat(r, is_object ? '}' : ']') ? 0 : -1;
}

/* Skips a string whose opening quote comes next. Byte by byte: the strings of states and
 * props are short, and two memchr calls per string cost more than the loop. */
static int skip_string(jsonr_t *r) {
    if (!jsonr_eat(r, '"'))
        return -1;
    for (const char *at = r->at; at < r->end; at++) {
        if (*at == '\\') {
            at++; /* the escaped character, which may be a quote */
        } else if (*at == '"') {
            r->at = at + 1;
            return 0;
        }
    }
    return -1;
}

int jsonr_skip(jsonr_t *r) {
    skip_space(r);
    if (r->at == r->end)
        return -1;
    char c = *r->at;
    if (c == '"')
        return skip_string(r);
    if (c == '{' || c == '[') {
        int depth = 0;
        while (r->at < r->end) {
            c = *r->at;
            if (c == '"') {
                if (skip_string(r))
                    return -1;
                continue;
            }
            r->at++;
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && --depth == 0)
                return 0;
        }
        return -1;
    }
    const char *start = r->at;
    while (r->at < r->end && !strchr(",}] \t\n\r", *r->at))
        r->at++;
    return r->at > start ? 0 : -1;
}

static int hex_digit(char c) {
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Reads the 4 hex digits of a \u escape at 'at' into '*unit'; 0 or -1. */
static int read_unit(const char *at, const char *end, unsigned *unit) {
    if (end - at < 4)
        return -1;
    *unit = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(at[i]);
        if (d < 0)
            return -1;
        *unit = *unit << 4 | (unsigned)d;
    }
    return 0;
}

/* Decodes the escape after a backslash at r->at into UTF-8 bytes in 'out'; returns how many,
 * or -1. A surrogate pair is one code point; a lone surrogate is refused, as cJSON does. */
static int decode_escape(jsonr_t *r, char out[4]) {
    char c = *r->at++;
    int byte = jsonr_short_escape(c);
    if (byte >= 0) {
        out[0] = (char)byte;
        return 1;
    }
    if (c != 'u')
        return -1;
    unsigned cp;
    if (read_unit(r->at, r->end, &cp))
        return -1;
    r->at += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return -1;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned low;
        if (r->end - r->at < 6 || r->at[0] != '\\' || r->at[1] != 'u' ||
            read_unit(r->at + 2, r->end, &low) || low < 0xDC00 || low > 0xDFFF)
            return -1;
        r->at += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int jsonr_string_equals(jsonr_t *r, const char *expected) {
    if (!jsonr_eat(r, '"'))
        return -1;
    size_t n = strlen(expected);
    /* Most strings have no escape: find the closing quote and compare the bytes at once. */
    const char *start = r->at, *quote = memchr(start, '"', (size_t)(r->end - start));
    if (quote != NULL && memchr(start, '\\', (size_t)(quote - start)) == NULL) {
        r->at = quote + 1;
        return (size_t)(quote - start) == n && memcmp(start, expected, n) == 0;
    }
    size_t k = 0;
    int is_equal = 1;
    while (r->at < r->end && *r->at != '"') {
        char bytes[4];
        int count = 1;
        if (*r->at == '\\') {
            r->at++;
            if (r->at == r->end || (count = decode_escape(r, bytes)) < 0)
                return -1;
        } else {
            bytes[0] = *r->at++;
        }
        for (int i = 0; i < count; i++, k++)
            is_equal = is_equal && k < n && expected[k] == bytes[i];
    }
    if (r->at == r->end)
        return -1;
    r->at++;
    return is_equal && k == n;
}

int jsonr_find_member(jsonr_t *r, const char *key) {
    if (!jsonr_eat(r, '{'))
        return -1;
    if (jsonr_eat(r, '}'))
        return 0;
    do {
        int is_key = jsonr_string_equals(r, key);
        if (is_key < 0 || !jsonr_eat(r, ':'))
            return -1;
        if (is_key)
            return 1;
        if (jsonr_skip(r))
            return -1;
    } while (jsonr_eat(r, ','));
    return jsonr_eat(r, '}') ? 0 : -1;
}

/* NaN is not a time either: it fails both comparisons. */
static int is_time(double ms) { return ms >= -9007199254740992.0 && ms <= 9007199254740992.0; }

int jsonr_time(jsonr_t *r, int64_t *out) {
    double ms;
    if (jsonr_number(r, &ms) || !is_time(ms))
        return -1;
    *out = (int64_t)ms;
    return 0;
}

int jsonr_time_item(const cJSON *item, int64_t *out) {
    if (!cJSON_IsNumber(item) || !is_time(item->valuedouble))
        return -1;
    *out = (int64_t)item->valuedouble;
    return 0;
}

int jsonr_object_text(jsonr_t *r, const char **start, size_t *size) {
    skip_space(r);
    if (r->at == r->end || *r->at != '{')
        return -1;
    *start = r->at;
    if (jsonr_skip(r))
        return -1;
    *size = (size_t)(r->at - *start);
    return 0;
}
