/* jsonr: a pull reader for the JSON that nurture writes itself (stored contact and account
 * states), straight into the caller's structures with no tree in between. It accepts only
 * plain forms (strings without \u escapes, numbers as cJSON reads them); a caller that meets
 * anything else fails and falls back to cJSON, which has the last word on what a stored state
 * means and on the error reported. Pure; depends on cJSON for embedded objects.
 *
 * Every reading function skips white space first and returns failure without consuming a
 * meaningful amount; after a failure the reader's position is unspecified. */
#ifndef NURTURE_JSONR_H
#define NURTURE_JSONR_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct {
    const char *at;  /* the next byte to read */
    const char *end; /* one past the last byte */
} jsonr_t;

static inline jsonr_t jsonr_over(const char *text, size_t size) {
    return (jsonr_t){text, text + size};
}

/* Reads the number at '*at' (before 'end') as cJSON does: the characters it takes (digits,
 * signs, 'e', '.', at most 63), all of which strtod must use; a short integer is converted
 * by hand, which gives the same double. Returns 0 with '*at' past the number, or -1. Shared
 * by every reader of nurture's JSON so that all read numbers alike. */
int jsonr_scan_number(const char **at, const char *end, double *out);

/* The byte a short escape ("\n", "\"", ...) stands for, given the character after the
 * backslash; -1 for "\u" and for characters that are no escape. */
int jsonr_short_escape(char c);

/* Consumes 'c' when it comes next; returns 1 if it did. */
int jsonr_eat(jsonr_t *r, char c);

/* 1 when only white space is left. */
int jsonr_at_end(jsonr_t *r);

/* Reads a string into a fresh copy, owned (free with free()); NULL when the next value is not
 * a plain string or memory ran out. */
char *jsonr_string(jsonr_t *r);

/* Reads a string without escapes, pointing '*start' at its body of '*size' bytes (inside the
 * text, not terminated). Returns 0, or -1 when the next value is not such a string. */
int jsonr_plain_string(jsonr_t *r, const char **start, size_t *size);

/* Reads a number as cJSON does (the characters it takes, converted by strtod). Returns 0, or
 * -1 when the next value is not a number. */
int jsonr_number(jsonr_t *r, double *out);

/* Reads a time in ms from a stored state into '*out': a number a double holds exactly (within
 * 2^53 ms either side of 1970), the only kind that converts to int64_t. Returns 0, or -1 when
 * the next value is not such a number (any other makes the state malformed). */
int jsonr_time(jsonr_t *r, int64_t *out);

/* The same for a time the cJSON reader found ('item' may be NULL: not a time). */
int jsonr_time_item(const cJSON *item, int64_t *out);

/* Reads true or false into '*out' (1 or 0). Returns 0, or -1 when the next value is neither. */
int jsonr_bool(jsonr_t *r, int *out);

/* Reads an object as a cJSON tree into '*slot', deleting the tree it held (facts, which rules
 * change). Returns 0, or -1 with '*slot' untouched unless the next value is an object. An
 * object holding a control byte other than JSON's whitespace is refused, although cJSON
 * reads any such byte as whitespace: its text is not JSON, and a caller may keep the text it
 * read to write it back. */
int jsonr_object_into(jsonr_t *r, cJSON **slot);

/* Which of the 'count' member 'names' of a stored form 'key' is: its index, marked in the
 * bits of '*seen'; -1 for an unknown name or one seen before (the caller falls back to
 * cJSON, which reads any form). */
int jsonr_member_index(const char *key, const char *const *names, int count, int *seen);

/* Skips the value that comes next, of any kind. Returns 0, or -1 when the text is not JSON
 * there. */
int jsonr_skip(jsonr_t *r);

/* Skips the object that comes next and sets '*start' and '*size' to its text. Returns 0, or
 * -1 when the next value is not an object. */
int jsonr_object_text(jsonr_t *r, const char **start, size_t *size);

/* Reads a string and compares it, escapes undone, with 'expected'. Returns 1 when equal, 0
 * when not, -1 when the next value is not a string. */
int jsonr_string_equals(jsonr_t *r, const char *expected);

/* Finds the first member named 'key' in the object that comes next and leaves the reader at
 * its value. Returns 1 when found, 0 when the object has no such member, -1 when the text is
 * not an object. Reads objects as cJSON does: the first of duplicate members wins. */
int jsonr_find_member(jsonr_t *r, const char *key);

/* Reads '{' members '}' (when 'is_object') or '[' elements ']', calling 'each' on every one
 * once its key (NULL for an array) and ':' were read; 'each' reads the value and returns 0,
 * or nonzero to stop. Returns 0 when the whole list was read. */
int jsonr_list(jsonr_t *r, int is_object, int (*each)(jsonr_t *r, const char *key, void *ud),
               void *ud);

#endif
