/* jsonw: a JSON writer into one growing buffer, with no tree in between. Its output is byte
 * for byte what cJSON_PrintUnformatted prints for the same values (same string escapes, same
 * number forms), so stored states and action lines keep their text. Pure; depends on cJSON
 * only to print existing cJSON items. */
#ifndef NURTURE_JSONW_H
#define NURTURE_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct {
    char *data;      /* NUL-terminated once finished */
    size_t length;   /* bytes written */
    size_t capacity; /* bytes allocated */
    int is_failed;   /* set when memory ran out; every later call does nothing */
} jsonw_t;

/* Starts an empty buffer with room for about 'capacity' bytes (allocated on first write). */
void jsonw_init(jsonw_t *w, size_t capacity);

/* Frees the buffer; accepts a finished or failed writer. */
void jsonw_close(jsonw_t *w);

/* Returns the text written, owned (free with free()), or NULL when memory ran out; the
 * writer is empty afterwards. */
char *jsonw_finish(jsonw_t *w);

/* Appends 'size' raw bytes of 'text' (borrowed). */
void jsonw_raw(jsonw_t *w, const char *text, size_t size);

/* Appends one raw byte. */
static inline void jsonw_char(jsonw_t *w, char c);

/* Appends 'text' (borrowed; NULL prints "") as a quoted, escaped JSON string. */
void jsonw_string(jsonw_t *w, const char *text);

/* Appends "key": with 'key' escaped like a string. */
void jsonw_key(jsonw_t *w, const char *key);

/* Appends ,"key":"text": a string member after the first (NULL 'text' prints ""). */
void jsonw_member(jsonw_t *w, const char *key, const char *text);

/* Appends 'value' as cJSON prints a number item holding it. */
void jsonw_double(jsonw_t *w, double value);

/* Appends an integer as cJSON prints (double)'value' (exact digits below 10^15). */
void jsonw_int64(jsonw_t *w, int64_t value);

#define JSONW_INT64_MAX 24 /* "-9223372036854775808" and its terminator fit */

/* Writes 'value' in decimal, terminated, into 'out' (the text jsonw_int64 writes, without
 * printf); returns its length. */
size_t jsonw_format_int64(char out[JSONW_INT64_MAX], int64_t value);

/* Appends 'item' (borrowed) and everything under it as cJSON_PrintUnformatted would. */
void jsonw_item(jsonw_t *w, const cJSON *item);

/* Makes room for 'more' bytes and a terminator. Returns 0, or -1 when memory ran out (the
 * writer is then failed). */
int jsonw_grow(jsonw_t *w, size_t more);

static inline void jsonw_char(jsonw_t *w, char c) {
    if ((w->data == NULL || w->length + 2 > w->capacity) && jsonw_grow(w, 1))
        return;
    w->data[w->length++] = c;
}

#endif
