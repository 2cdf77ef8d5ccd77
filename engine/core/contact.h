/* contact: everything nurture remembers about one contact — stage, inferred mind, facts,
 * recent touchpoints and content already sent — with its storage form and the history
 * queries rules use. Pure; depends on mind, event and cJSON.
 *
 * Storage form: the state is one JSON object without the history, and the history is a text
 * beside it, one JSON array per touchpoint, oldest first, separated by commas. A touchpoint
 * changes the state a little and adds one row, so a commit rewrites the small object and
 * appends the new rows instead of rewriting the whole history (see rowlog). */
#ifndef NURTURE_CONTACT_H
#define NURTURE_CONTACT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine/core/event.h"
#include "engine/core/mind.h"
#include "engine/core/nerr.h"
#include "engine/core/rowlog.h"

#define CONTACT_HISTORY_MAX 64 /* recent touchpoints kept for history queries */
#define CONTACT_SENT_MAX 64    /* recent content deliveries kept for cooldowns */
#define CONTACT_FILTER_MAX 8
#define CONTACT_TYPE_SLOTS 64 /* see contact_t.type_slots */

typedef struct {
    char *event_id;     /* owned: one block holding the id, the type and the row */
    const char *type;   /* in the event_id block */
    const char *row;    /* the touch's row in the storage JSON, in the block: a touch never
                           changes, and the state holding it is written at every commit */
    size_t row_size;
    const char *props;  /* the props object as JSON text, inside the row (not terminated);
                           NULL when the touchpoint had none. Text, not a tree: history is
                           mostly carried and written back, and read only by a few filters */
    size_t props_size;
    int64_t at_ms;
    uint64_t type_hash; /* hash_update of 'type', set when the touch is recorded: history
                           queries compare it before the strings */
    int is_in_block;    /* the block is the contact's rows_block, shared with the other
                           touches read from the stored rows, not the touch's own */
} contact_touch_t;

/* An action decided for the contact: delivered once its due time has passed (on the clock of
 * the touchpoints), pending until then, when a goal can still cancel it. */
typedef struct {
    char *content;   /* the content id, or "task:<rule>": what cooldowns are about */
    char *action_id; /* "" for deliveries stored before ids were kept */
    char *channel;   /* "" likewise */
    int is_task;
    int64_t at_ms;   /* the due time of the delivery */
    int repeat_held; /* a repeat of it within its cooldown was recorded as held back: later
                        repeats of it are not (see decide.c) */
} contact_sent_t;

typedef struct {
    char *id;
    char *account; /* NULL until an event names one */
    char *stage;   /* NULL until a rule sets one: the playbook's first stage applies */
    int64_t version; /* bumped by every commit; the optimistic-concurrency token */
    mind_t mind;
    cJSON *facts;                     /* owned object */
    char *facts_text; /* owned: 'facts' as last read or written, or NULL once changed since
                         (facts change rarely, and writing them is then a copy) */
    size_t facts_text_size;
    contact_touch_t *history;         /* oldest first */
    int history_count;
    int history_capacity;
    /* How many touches of 'history' have a type_hash of each remainder modulo
     * CONTACT_TYPE_SLOTS: a query about a type whose slot is empty needs no scan (rules ask
     * most often about what never happened: an unsubscribe, an open defect). */
    uint8_t type_slots[CONTACT_TYPE_SLOTS];
    rowlog_t history_log; /* what the stored history rows lack */
    char *rows_block;     /* owned: the touches read from the stored rows point into it */
    int block_touches;    /* how many still do; the block goes with the last */
    contact_sent_t *sent;             /* oldest first */
    int sent_count;
    int sent_capacity;
} contact_t;

/* A property filter for history queries: every key must equal its value in the props. */
typedef struct {
    const char *key;
    const char *text;  /* compared with string props when non-NULL */
    double number;     /* compared with numeric props when 'text' is NULL */
} contact_match_t;

typedef struct {
    contact_match_t matches[CONTACT_FILTER_MAX];
    int count;
} contact_filter_t;

/* Makes an empty contact called 'id' (borrowed, copied) at version 0, whose stored history
 * is to be replaced. Returns 0 or NERR_NOMEM. */
int contact_init(contact_t *contact, const char *id, nerr_t *err);

/* Frees everything the contact owns; accepts a zeroed contact. */
void contact_close(contact_t *contact);

/* About how many bytes the contact holds in memory (see footprint.h), for the state cache. */
size_t contact_footprint(const contact_t *contact);

/* What 'count' deliveries (a contact's or an account's) hold in an array of 'capacity'. */
size_t contact_sent_footprint(const contact_sent_t *sent, int count, int capacity);

/* Restores a contact from its stored state ('size' bytes of JSON 'text') at 'version'; its
 * history rows follow with contact_restore_history. A state written before the history had
 * its own list carries a "history" member: it is read, and the stored list is to be
 * replaced. Returns 0, or NERR_INVALID/NERR_NOMEM with the reason in 'err' (and 'contact'
 * needs no close). */
int contact_from_json(contact_t *contact, const char *id, const char *text, size_t size,
                      int64_t version, nerr_t *err);

/* Appends the stored history rows ('size' bytes of 'text': rows separated by commas, oldest
 * first; empty for none) as touches the stored text already has; once per contact, after
 * contact_from_json. Returns 0, or NERR_INVALID (a malformed row) or NERR_NOMEM with the
 * reason in 'err'; the contact then holds the rows before it. */
int contact_restore_history(contact_t *contact, const char *text, size_t size, nerr_t *err);

/* Returns the stored state (without the history), owned (free with free()), or NULL when out
 * of memory. The mind keeps the text of the states it wrote (see mind_write_json). */
char *contact_to_json(contact_t *contact);

/* The rows the next commit writes: owned text (free with free()) of '*size' bytes, to be
 * appended to the stored text, or to replace it when '*rewrite' is set; NULL with size 0
 * when there is nothing to write, or when out of memory (then '*rewrite' is -1). */
char *contact_rows_text(const contact_t *contact, int *rewrite, size_t *size);

/* Notes that the rows of contact_rows_text are stored. */
void contact_history_saved(contact_t *contact);

/* Appends 'event' to the history (dropping the oldest past CONTACT_HISTORY_MAX) and takes its
 * account. Returns 0 or NERR_NOMEM. */
int contact_record_touch(contact_t *contact, const event_t *event, nerr_t *err);

/* To be called before changing 'facts': they are then written afresh. */
void contact_facts_changed(contact_t *contact);

/* Sets 'stage' (borrowed, copied). Returns 0 or NERR_NOMEM. */
int contact_set_stage(contact_t *contact, const char *stage, nerr_t *err);

/* Returns 1 when the props object 'props' ('size' bytes of JSON text; NULL for none) has every
 * property 'filter' asks for (NULL: all). */
int contact_props_match(const char *props, size_t size, const contact_filter_t *filter);

/* Touchpoints of 'type' (NULL: any) matching 'filter' (NULL: all) at or after 'since_ms'. */
int contact_count(const contact_t *contact, const char *type, const contact_filter_t *filter,
                  int64_t since_ms);

/* Time of the newest such touchpoint, or -1 when there is none. */
int64_t contact_last(const contact_t *contact, const char *type, const contact_filter_t *filter);

/* The sum of the positive numeric `dwell_s` props of such touchpoints at or after 'since_ms'. */
double contact_dwell(const contact_t *contact, const char *type, const contact_filter_t *filter,
                     int64_t since_ms);

/* Time 'content' was last delivered, or -1. */
int64_t contact_last_sent(const contact_t *contact, const char *content);

/* The newest of the 'count' deliveries 'sent' (a contact's or an account's) of 'content', the
 * first of those due at the same time; NULL when there is none. */
contact_sent_t *contact_sent_newest(contact_sent_t *sent, int count, const char *content);

/* Deliveries on 'channel' due in ('since_ms', 'until_ms']. */
int contact_count_sent(const contact_t *contact, const char *channel, int64_t since_ms,
                       int64_t until_ms);

/* Records a delivery of 'content' ('action_id', 'channel'; all borrowed, copied) due at
 * 'at_ms'. Returns 0 or NERR_NOMEM. */
int contact_mark_sent(contact_t *contact, const char *content, const char *action_id,
                      const char *channel, int is_task, int64_t at_ms, nerr_t *err);

/* Moves the deliveries due after 'after_ms' (content only, or tasks too when 'with_tasks')
 * out of the contact into 'out' (room for 'max'); returns how many. The caller frees each
 * with contact_sent_close. */
int contact_take_pending(contact_t *contact, int64_t after_ms, int with_tasks,
                         contact_sent_t *out, int max);

void contact_sent_close(contact_sent_t *sent);

/* The storage form of a list of deliveries, a contact's or an account's:
 * [["content",due ms,"action id","channel",is_task],..]. Appends it to 'w'. */
void contact_sent_write_json(jsonw_t *w, const contact_sent_t *sent, int count);

/* Reads one delivery row at 'r', in the form contact_sent_write_json writes, into '*out'
 * (owned strings: contact_sent_close). Returns 0, or -1 with nothing to close. */
int contact_sent_read_json(jsonr_t *r, contact_sent_t *out);

#endif
