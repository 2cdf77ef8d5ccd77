/* rowlog: which stored rows a commit appends or writes afresh. */
#include "engine/core/rowlog.h"

#include <stdlib.h>
#include <string.h>

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

int rowlog_rewrites(const rowlog_t *log, int cap) {
    return log->replace || log->stored + log->unsaved > cap + cap / 4;
}

char *rowlog_text(const rowlog_t *log, int count, int cap, rowlog_row_fn row, const void *owner,
                  int *rewrite, size_t *size) {
    *rewrite = rowlog_rewrites(log, cap);
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
    log->stored = rowlog_rewrites(log, cap) ? count : log->stored + log->unsaved;
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

void rowlog_block_init(rowlog_block_t *block, size_t size, int strings) {
    /* A row's part repeats its id and type (and contact) beside the row: a quarter to a third
     * more than the stored text. */
    jsonw_init(&block->text, size + size / 2 + 64);
    block->places = NULL;
    block->count = block->capacity = 0;
    block->strings = strings;
}

/* A new place, starting where the block's text ends; NULL when out of memory. */
static rowlog_place_t *new_place(rowlog_block_t *block) {
    if (block->count == block->capacity) {
        int grown = block->capacity ? block->capacity * 2 : 64;
        rowlog_place_t *places = realloc(block->places, (size_t)grown * sizeof *places);
        if (places == NULL)
            return NULL;
        block->places = places;
        block->capacity = grown;
    }
    rowlog_place_t *place = &block->places[block->count++];
    *place = (rowlog_place_t){block->text.length, 0, 0, 0, 0};
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
    if (jsonr_time(r, &out->at_ms) ||
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

size_t rowlog_row_size(const char *const *strings, int count, const rowlog_props_t *props) {
    size_t size = 2 + JSONW_INT64_MAX; /* the brackets and the time */
    for (int i = 0; i < count; i++)
        size += strlen(strings[i]) + 3; /* the quotes and a comma */
    return size + (props->text ? props->text_size + 1 : props->tree ? 256 : 0);
}

void rowlog_write_row(jsonw_t *w, const char *const *strings, int count, int64_t at_ms,
                      const rowlog_props_t *props, size_t *props_at, size_t *props_size) {
    jsonw_char(w, '[');
    for (int i = 0; i < count; i++) {
        jsonw_string(w, strings[i]);
        jsonw_char(w, ',');
    }
    jsonw_int64(w, at_ms);
    *props_at = *props_size = 0;
    if (props->text || props->tree) {
        jsonw_char(w, ',');
        *props_at = w->length;
        if (props->text)
            jsonw_raw(w, props->text, props->text_size);
        else
            jsonw_item(w, props->tree);
        *props_size = w->length - *props_at;
    }
    jsonw_char(w, ']');
}

/* Finds the props object of the stored row at 'r' ('count' leading strings, escapes allowed)
 * and sets 'props' to its text as stored. Returns 0, or -1 when there is none to find. */
static int stored_props_text(jsonr_t r, int count, rowlog_props_t *props) {
    if (!jsonr_eat(&r, '['))
        return -1;
    for (int i = 0; i <= count; i++) /* the strings and the time */
        if (jsonr_skip(&r) || !jsonr_eat(&r, ','))
            return -1;
    return jsonr_object_text(&r, &props->text, &props->text_size);
}

/* Writes the part of 'row', the cJSON reading of the stored row at 'stored'; returns 0, or -1
 * when it is not a row. The props keep their stored text, as in a row read in place, so that
 * a row written again is the row that was read. */
static int write_parsed_part(rowlog_block_t *block, rowlog_place_t *place, const cJSON *row,
                             jsonr_t stored) {
    const char *strings[ROWLOG_STRINGS_MAX];
    int count = block->strings;
    for (int i = 0; i < count; i++) {
        const cJSON *item = cJSON_GetArrayItem(row, i);
        if (!cJSON_IsString(item))
            return -1;
        strings[i] = item->valuestring;
    }
    const cJSON *props = cJSON_GetArrayItem(row, count + 1);
    if (!cJSON_IsArray(row) || jsonr_time_item(cJSON_GetArrayItem(row, count), &place->at_ms))
        return -1;
    jsonw_t *w = &block->text;
    for (int i = 0; i < count; i++)
        jsonw_raw(w, strings[i], strlen(strings[i]) + 1);
    rowlog_props_t kept = {cJSON_IsObject(props) ? props : NULL, NULL, 0};
    if (kept.tree && stored_props_text(stored, count, &kept) != 0)
        kept.text = NULL; /* written from the tree */
    rowlog_write_row(w, strings, count, place->at_ms, &kept, &place->props_at,
                     &place->props_size);
    if (place->props_size > 0)
        place->props_at -= place->start; /* from the part's start, as read rows have it */
    return 0;
}

int rowlog_block_read_row(void *owner, jsonr_t *r) {
    rowlog_block_t *block = owner;
    rowlog_place_t *place = new_place(block);
    if (place == NULL)
        return NERR_NOMEM;
    jsonr_t again = *r;
    rowlog_row_t row;
    if (rowlog_read_row(r, block->strings, &row) == 0) {
        place->props_at = rowlog_write_part(&block->text, &row);
        place->props_size = row.props_size;
        place->at_ms = row.at_ms;
    } else {
        *r = again;
        const char *end = NULL;
        cJSON *parsed = cJSON_ParseWithLengthOpts(r->at, (size_t)(r->end - r->at), &end, 0);
        if (parsed && end)
            r->at = end;
        int is_row = write_parsed_part(block, place, parsed, again) == 0;
        cJSON_Delete(parsed);
        if (!is_row) {
            block->count--; /* no part was written */
            return NERR_INVALID;
        }
    }
    place->size = block->text.length - place->start;
    jsonw_raw(&block->text, "", 1);
    return block->text.is_failed ? NERR_NOMEM : 0;
}
