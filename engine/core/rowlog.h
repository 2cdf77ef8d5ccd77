/* rowlog: the bookkeeping of a stored text of rows beside a state (a contact's history, an
 * account's touchpoints): which rows the next commit appends, and when it writes the text
 * afresh instead. The text is the rows, oldest first, separated by commas. It grows past the
 * cap kept in memory until it holds a quarter more, and is then written afresh: a commit
 * seldom rewrites it, and a reader parses at most a quarter more rows than it keeps. Pure;
 * depends on jsonr, jsonw and cJSON. The caller owns the log and the rows. */
#ifndef NURTURE_ROWLOG_H
#define NURTURE_ROWLOG_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "engine/core/jsonr.h"

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

/* Reads the row at 'r' with cJSON, which accepts any spelling of the same JSON, leaving 'r'
 * after it: for a row the owner's own reader did not take. Returns the tree (free with
 * cJSON_Delete), or NULL when no JSON value starts there. */
cJSON *rowlog_parse_row(jsonr_t *r);

#endif
