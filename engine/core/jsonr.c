/* jsonr: a pull reader for nurture's own JSON. */
#include "engine/core/jsonr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/jsonflat.h"

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
        switch (*++s) {
        case '"': case '\\': case '/': *out++ = *s; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        default: free(copy); return NULL;
        }
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

/* The common case of a short integer is done by hand: below 2^53 it gives strtod's double. */
int jsonr_number(jsonr_t *r, double *out) {
    skip_space(r);
    const char *start = r->at;
    int is_integer = 1;
    while (r->at < r->end && r->at - start < 63) {
        char c = *r->at;
        if (c >= '0' && c <= '9')
            ;
        else if (c == '-' && r->at == start)
            ;
        else if (c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.')
            is_integer = 0;
        else
            break;
        r->at++;
    }
    size_t size = (size_t)(r->at - start);
    size_t digits = size - (size > 0 && *start == '-');
    if (digits == 0)
        return -1;
    if (is_integer && digits <= 15) {
        int64_t value = 0;
        for (const char *s = start + (size - digits); s < r->at; s++)
            value = value * 10 + (*s - '0');
        *out = *start == '-' ? -(double)value : (double)value;
        return 0;
    }
    char text[64], *end;
    memcpy(text, start, size);
    text[size] = '\0';
    *out = strtod(text, &end);
    return end == text + size ? 0 : -1;
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

cJSON *jsonr_object(jsonr_t *r, int is_flat) {
    skip_space(r);
    if (r->at == r->end || *r->at != '{')
        return NULL;
    const char *after = NULL;
    cJSON *object = is_flat ? jsonflat_parse(r->at, (size_t)(r->end - r->at), &after) : NULL;
    if (object == NULL)
        object = cJSON_ParseWithLengthOpts(r->at, (size_t)(r->end - r->at), &after, 0);
    if (object == NULL)
        return NULL;
    r->at = after;
    return object;
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

char *jsonr_copy(const char *start, const char *end) {
    size_t size = (size_t)(end - start);
    char *copy = malloc(size + 1);
    if (copy != NULL) {
        memcpy(copy, start, size);
        copy[size] = '\0';
    }
    return copy;
}
