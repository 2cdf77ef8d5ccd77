/* rowlog: which stored rows a commit appends or writes afresh. */
#include "engine/core/rowlog.h"

#include <stdlib.h>

#include "engine/core/jsonw.h"
#include "engine/core/nerr.h"

void rowlog_init(rowlog_t *log) { *log = (rowlog_t){0, 1, 0}; }

void rowlog_read_state(rowlog_t *log, int came_inside, int count) {
    *log = came_inside ? (rowlog_t){count, 1, 0} : (rowlog_t){0, 0, 0};
}

void rowlog_added(rowlog_t *log, int cap) {
    if (log->unsaved < cap)
        log->unsaved++;
}

static int rewrites(const rowlog_t *log, int cap) {
    return log->replace || log->stored + log->unsaved > cap + cap / 4;
}

char *rowlog_text(const rowlog_t *log, int count, int cap, rowlog_row_fn row, const void *owner,
                  int *rewrite, size_t *size) {
    *rewrite = rewrites(log, cap);
    *size = 0;
    int first = *rewrite ? 0 : count - log->unsaved;
    if (first >= count)
        return NULL;
    jsonw_t w;
    jsonw_init(&w, (size_t)(count - first) * 160);
    for (int i = first; i < count; i++) {
        size_t row_size;
        const char *text = row(owner, i, &row_size);
        if (i > first || (!*rewrite && log->stored > 0))
            jsonw_char(&w, ',');
        jsonw_raw(&w, text, row_size);
    }
    *size = w.length;
    char *text = jsonw_finish(&w);
    if (text == NULL) {
        *rewrite = -1;
        *size = 0;
    }
    return text;
}

void rowlog_saved(rowlog_t *log, int count, int cap) {
    log->stored = rewrites(log, cap) ? count : log->stored + log->unsaved;
    log->unsaved = 0;
    log->replace = 0;
}

int rowlog_read(rowlog_t *log, const char *text, size_t size,
                int (*read_row)(void *owner, jsonr_t *r), void *owner, int *bad_row) {
    jsonr_t r = jsonr_over(text, size);
    for (int row = 1; !jsonr_at_end(&r); row++) {
        int rc = (row > 1 && !jsonr_eat(&r, ',')) ? NERR_INVALID : read_row(owner, &r);
        if (rc != 0) {
            *bad_row = row;
            return rc;
        }
        log->stored++;
    }
    return 0;
}

void rowlog_block_init(rowlog_block_t *block, size_t size) {
    /* A row's part repeats its id and type (and contact) beside the row: a quarter to a third
     * more than the stored text. */
    jsonw_init(&block->text, size + size / 2 + 64);
    block->places = NULL;
    block->count = block->capacity = 0;
}

rowlog_place_t *rowlog_block_place(rowlog_block_t *block) {
    if (block->count == block->capacity) {
        int grown = block->capacity ? block->capacity * 2 : 64;
        rowlog_place_t *places = realloc(block->places, (size_t)grown * sizeof *places);
        if (places == NULL)
            return NULL;
        block->places = places;
        block->capacity = grown;
    }
    rowlog_place_t *place = &block->places[block->count++];
    *place = (rowlog_place_t){block->text.length, 0, 0, 0};
    return place;
}

char *rowlog_block_finish(rowlog_block_t *block) {
    size_t size = block->text.length + 1;
    char *text = block->count > 0 ? jsonw_finish(&block->text) : NULL;
    char *trimmed = text ? realloc(text, size) : NULL; /* it lives as long as its touches */
    return trimmed ? trimmed : text;
}

void rowlog_block_close(rowlog_block_t *block) {
    jsonw_close(&block->text);
    free(block->places);
    block->places = NULL;
    block->count = block->capacity = 0;
}

int rowlog_read_row(jsonr_t *r, int count, rowlog_row_t *out) {
    *out = (rowlog_row_t){.count = count};
    if (!jsonr_eat(r, '['))
        return -1;
    out->row = r->at - 1;
    for (int i = 0; i < count; i++)
        if (jsonr_plain_string(r, &out->strings[i], &out->string_sizes[i]) || !jsonr_eat(r, ','))
            return -1;
    if (jsonr_number(r, &out->at) ||
        (jsonr_eat(r, ',') && jsonr_object_text(r, &out->props, &out->props_size)) ||
        !jsonr_eat(r, ']'))
        return -1;
    out->row_size = (size_t)(r->at - out->row);
    return 0;
}

size_t rowlog_write_part(jsonw_t *w, const rowlog_row_t *row) {
    size_t start = w->length;
    for (int i = 0; i < row->count; i++) {
        jsonw_raw(w, row->strings[i], row->string_sizes[i]);
        jsonw_raw(w, "", 1);
    }
    size_t props_at = row->props ? w->length - start + (size_t)(row->props - row->row) : 0;
    jsonw_raw(w, row->row, row->row_size);
    return props_at;
}

cJSON *rowlog_parse_row(jsonr_t *r) {
    const char *end = NULL;
    cJSON *row = cJSON_ParseWithLengthOpts(r->at, (size_t)(r->end - r->at), &end, 0);
    if (row && end)
        r->at = end;
    return row;
}
