/* event: a touchpoint, parsed and validated from its JSON form (the `event` field of an
 * entry of the events stream, or one line of a JSON Lines file). Pure; depends on cJSON and
 * jsonr. */
#ifndef NURTURE_EVENT_H
#define NURTURE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine/core/nerr.h"

#define EVENT_MAX_BYTES (1024 * 1024) /* larger events are refused, not parsed */
#define EVENT_MAX_ID_BYTES 256        /* ids and contact names become parts of Redis keys */
#define EVENT_MIN_AT_MS 946684800000LL  /* 2000-01-01T00:00:00Z: older times are typos */
#define EVENT_MAX_AT_MS 4102444800000LL /* 2100-01-01T00:00:00Z: later times are typos */

typedef struct {
    const char *id;      /* unique; the idempotency key */
    const char *contact; /* the contact the touchpoint belongs to */
    const char *type;    /* "page_view", "form_submit", "identify", ... */
    const char *account; /* optional: NULL when absent */
    const char *channel; /* optional: NULL when absent */
    const char *source;  /* optional: NULL when absent */
    int64_t at_ms;       /* when it happened; every delay counts from here */
    cJSON *json;         /* the whole object, other keys included; owned by the event and
                            read-only (often one flat block, see event.c: never add,
                            detach or replace items in it) */
    const cJSON *props;  /* the "props" object, or NULL */
    const char *props_text; /* the props object's JSON text as the event spelled it (in the
                               event's block, terminated), so that it need not be written
                               again; NULL when props is NULL or the text was not kept */
    size_t props_text_size;
    uint64_t serial;     /* unique to this parse in the process (never 0), so that what is
                            derived from an event can be kept while the same event is
                            decided; 0 in an event not made by event_parse */
    size_t block_size;   /* the bytes of the one block 'json' lives in when the event reader
                            made it (see event_spare_t); 0 for other trees */
} event_t;

/* A block left by one event for the next, so that a reader of many events in a row (replay)
 * parses each into the memory of the one before instead of allocating and freeing a block
 * per event. Start it zeroed; free it with event_spare_free. */
typedef struct {
    void *block;
    size_t size;
} event_spare_t;

/* Parses and validates 'size' bytes of 'text' into 'out'. The string fields of 'out' are
 * valid until event_close(out). Returns 0, or NERR_INVALID with the reason in 'err' (and
 * 'out' needs no close). */
int event_parse(const char *text, size_t size, event_t *out, nerr_t *err);

/* Releases what event_parse allocated; accepts a zeroed event. */
void event_close(event_t *event);

/* event_parse, reading into the block kept in 'spare' when it is large enough. */
int event_parse_reusing(const char *text, size_t size, event_t *out, event_spare_t *spare,
                        nerr_t *err);

/* event_close, keeping the event's block in 'spare' (the larger one when it holds one) for
 * the next event_parse_reusing. */
void event_close_keeping(event_t *event, event_spare_t *spare);

/* Frees the block 'spare' keeps; accepts an empty one. */
void event_spare_free(event_spare_t *spare);

/* Returns 1 when 'size' bytes of 'text' are well-formed UTF-8, else 0. */
int event_is_utf8(const char *text, size_t size);

#endif
