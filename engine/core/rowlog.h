/* rowlog: the bookkeeping of a stored text of rows beside a state (a contact's history, an
 * account's touchpoints): which rows the next commit appends, and when it writes the text
 * afresh instead; the block the rows read from one text share, and the reader and writer of
 * one row of the written form. The text is the rows, oldest first, separated by commas. It
 * grows past the cap kept in memory until it holds a quarter more, and is then written
 * afresh: a commit seldom rewrites it, and a reader parses at most a quarter more rows than
 * it keeps. Pure; depends on jsonr, jsonw and cJSON. The caller owns the log, the block and
 * the rows. */
#ifndef NURTURE_ROWLOG_H
#define NURTURE_ROWLOG_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine/core/jsonr.h"
#include "engine/core/jsonw.h"

typedef struct {
    int unsaved; /* the newest rows the stored text lacks */
    int replace; /* the text is to be written afresh: nothing is known of it, or the rows
                    came inside an older state */
    int stored;  /* the rows the stored text holds, past the cap too */
} rowlog_t;

/* A log for rows nothing is known of: the first commit writes them all. */
void rowlog_init(rowlog_t *log);

/* After a state was read: 'came_inside' when its 'count' rows were in the state itself (then
 * they are all written at the next commit), else the stored text is the rows, as read next
 * by rowlog_read. */
void rowlog_read_state(rowlog_t *log, int came_inside, int count);

/* Notes one row recorded, in a list that keeps 'cap'. */
void rowlog_added(rowlog_t *log, int cap);

/* Whether the next commit writes the text afresh rather than appending to it, for a list that
 * keeps 'cap'. */
int rowlog_rewrites(const rowlog_t *log, int cap);

/* Row 'index' of the owner's 'count' rows, and its size. */
typedef const char *(*rowlog_row_fn)(const void *owner, int index, size_t *size);

/* The rows the next commit writes, of the owner's 'count' rows kept up to 'cap': owned text
 * (free with free()) of '*size' bytes, appended to the stored text, or replacing it when
 * '*rewrite' is set; NULL with size 0 when there is nothing to write, or when out of memory
 * (then '*rewrite' is -1). */
char *rowlog_text(const rowlog_t *log, int count, int cap, rowlog_row_fn row, const void *owner,
                  int *rewrite, size_t *size);

/* Notes that the rows of rowlog_text are stored. */
void rowlog_saved(rowlog_t *log, int count, int cap);

/* Reads the stored text ('size' bytes; empty for none), handing each row to 'read_row' at
 * its first byte, which returns 0, NERR_NOMEM or NERR_INVALID and leaves 'r' after the row.
 * Returns 0, or the first failure with its row number (from 1) in '*bad_row'. */
int rowlog_read(rowlog_t *log, const char *text, size_t size,
                int (*read_row)(void *owner, jsonr_t *r), void *owner, int *bad_row);

/* Where one row read from a stored text went in the block that all the rows of that text
 * share: an owner's touches point into it instead of each having a block of its own, so a
 * fetch costs one allocation instead of one per row (and leaving the cache, one free). */
typedef struct {
    size_t start;      /* of the row's part of the block */
    size_t size;       /* of the part, without the NUL that ends it */
    size_t props_at;   /* from 'start'; props_size 0: none */
    size_t props_size;
    int64_t at_ms;
} rowlog_place_t;

/* A row's part is its leading strings, each ending in a NUL, then the row, then a NUL. */
typedef struct {
    jsonw_t text;            /* the block: each row's part is written at its end */
    rowlog_place_t *places;  /* one per row, oldest first */
    int count, capacity;
    int strings;             /* the leading strings of a row */
} rowlog_block_t;

/* Starts a block for the rows of a stored text of 'size' bytes, each row beginning with
 * 'strings' strings (up to ROWLOG_STRINGS_MAX). */
void rowlog_block_init(rowlog_block_t *block, size_t size, int strings);

/* A rowlog_read callback for a block ('owner'): reads the row at 'r' into it as a part, in
 * place when it is in the written form, else with cJSON (which accepts any spelling of the
 * same JSON, the row then written afresh). Returns 0, NERR_NOMEM or NERR_INVALID. */
int rowlog_block_read_row(void *owner, jsonr_t *r);

/* The block's text, owned (free with free()); it no longer moves, so the places can be made
 * pointers. NULL when out of memory (or with no rows). The places stay until
 * rowlog_block_close. */
char *rowlog_block_finish(rowlog_block_t *block);

void rowlog_block_close(rowlog_block_t *block);

#define ROWLOG_STRINGS_MAX 3

/* A row of the written form read in place: 'count' plain strings (an event id, a type, and
 * for an account the contact), a time in ms and optional props, all pointing into the text
 * (the strings not terminated). */
typedef struct {
    const char *strings[ROWLOG_STRINGS_MAX];
    size_t string_sizes[ROWLOG_STRINGS_MAX];
    int count;
    const char *row, *props; /* the whole row; its props object, or NULL */
    size_t row_size, props_size;
    int64_t at_ms;
} rowlog_row_t;

/* Reads the row at 'r', of 'count' leading strings, leaving 'r' after it. Returns 0, or -1
 * when it is not in the written form (a string with escapes included: the cJSON reader's
 * job). */
int rowlog_read_row(jsonr_t *r, int count, rowlog_row_t *out);

/* Writes a touch's part for 'row', its strings each ending in a NUL and then the row (the
 * caller ends it), at the end of 'w'; returns where its props went from the part's start
 * (0: none). */
size_t rowlog_write_part(jsonw_t *w, const rowlog_row_t *row);

/* A touch's props as a row takes them: their JSON text when it is at hand (an event's, see
 * event_t), else the tree to write; both NULL: none. */
typedef struct {
    const cJSON *tree;
    const char *text;
    size_t text_size;
} rowlog_props_t;

/* The bytes rowlog_write_row writes for these parts when no string needs an escape and the
 * props come as text, or a little more (a time of fewer digits than the most); a guess for
 * props that come as a tree. Touches keep their rows for as long as they live, so their
 * blocks are sized by it rather than by a round guess. */
size_t rowlog_row_size(const char *const *strings, int count, const rowlog_props_t *props);

/* Writes a row of the written form, ["string",..,at_ms] or ["string",..,at_ms,{props}], from
 * its parts, noting where the props went in 'w' and their size (0: none). */
void rowlog_write_row(jsonw_t *w, const char *const *strings, int count, int64_t at_ms,
                      const rowlog_props_t *props, size_t *props_at, size_t *props_size);

#endif
