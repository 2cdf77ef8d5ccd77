/* account: what nurture remembers about a B2B account (a company) across its contacts — the
 * account's facts, the recent touchpoints of its buying committee, and the deliveries made
 * for the account itself — with its storage form and the committee queries rules use.
 * Pure; depends on cJSON and event.
 *
 * Storage form: as a contact's (see contact.h), a small JSON state and a text of touchpoint
 * rows beside it, appended to at each commit. The stored rows are read only when something
 * needs them (a committee query, a rewrite of the text, an event that may be among them):
 * most commits of an account append a row and ask nothing of the others, and the rows are
 * most of what an account fetched from Redis costs to read. */
#ifndef NURTURE_ACCOUNT_H
#define NURTURE_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine/core/contact.h"
#include "engine/core/event.h"
#include "engine/core/mind.h"
#include "engine/core/nerr.h"
#include "engine/core/rowlog.h"

#define ACCOUNT_TOUCH_MAX 128 /* recent touchpoints of the account's contacts */
#define ACCOUNT_SENT_MAX 32   /* recent deliveries for the account */

/* 64 bytes, one cache line: once the list is full, every touchpoint moves it by one. */
typedef struct {
    char *event_id;      /* owned: one block holding the id, contact, type and row */
    const char *contact; /* in the event_id block */
    const char *type;    /* in the event_id block */
    const char *row;     /* the storage row, in the block (see contact_touch_t) */
    const char *props;   /* JSON object text inside the row, or NULL (see contact_touch_t) */
    int64_t at_ms;
    uint32_t row_size;   /* a row is an event's, far below 4 GiB */
    uint32_t props_size;
    uint32_t is_in_block; /* the block is the account's rows_block (see contact_touch_t) */
} account_touch_t;

typedef struct account_s {
    char *id;
    int64_t version;
    cJSON *facts;
    mind_t mind;              /* states of the account as a whole ("committee_forming") */
    account_touch_t *touches; /* oldest first */
    int touch_count;
    int touch_capacity;
    /* Owned: the state as last read or written, or NULL: a commit that leaves it as it was
     * (most do: a touchpoint adds a row, the state changes with account facts, account
     * states of mind and account deliveries only) need not write it. */
    char *stored_state;
    rowlog_t touches_log; /* what the stored touchpoint rows lack */
    char *rows_block;     /* owned: the touches read from the stored rows point into it */
    int block_touches;    /* how many still do; the block goes with the last */
    /* Owned: the stored rows as fetched, not read yet, or NULL. While they are unread,
     * 'touches' holds only the touchpoints recorded since, which come after them. */
    char *unread_rows;
    size_t unread_rows_size;
    uint64_t *unread_ids;   /* owned: the hash of each unread row's event id, so that a
                               repeated event can be found without reading the rows */
    int unread_id_count;    /* the unread rows, as counted without reading them */
    int unread_ids_unknown; /* a row is spelled otherwise: any event may be among them */
    int malformed_row;    /* the stored row found malformed (from 1) when the rows were read,
                             dropped with those after it, or 0; for the caller to report */
    contact_sent_t *sent;     /* deliveries made for the account, oldest first */
    int sent_count;
} account_t;

/* Derives the account of a contact: the event's `account`, else the one the contact already
 * has, else the domain of a contact id that is an e-mail address on a company domain. Writes
 * it into 'buf' and returns 1, or returns 0 when there is none. */
int account_id_for(const event_t *event, const char *known_account, char *buf, size_t size);

/* Makes an empty account 'id' (copied) at version 0, whose stored rows are to be replaced.
 * Returns 0 or NERR_NOMEM. */
int account_init(account_t *account, const char *id, nerr_t *err);

/* Frees what the account owns; accepts a zeroed account. */
void account_close(account_t *account);

/* About how many bytes the account holds in memory (see footprint.h), for the state cache. */
size_t account_footprint(const account_t *account);

/* Restores from the stored state; its rows follow with account_restore_touches. A state with
 * a "touches" member (written before the rows had a list) is read with them, and the stored
 * list is to be replaced. Returns 0, or NERR_INVALID/NERR_NOMEM (then nothing to close). */
int account_from_json(account_t *account, const char *id, const char *text, size_t size,
                      int64_t version, nerr_t *err);

/* Takes the stored touchpoint rows (a text as contact_restore_history's, copied) as rows the
 * stored text already has; once per account, after account_from_json. They are read later,
 * by account_read_rows, unless the account already has touches (a state of the old form):
 * then they are read now, ahead of those. Returns 0, or NERR_INVALID (a malformed row, read
 * now) or NERR_NOMEM with the reason in 'err'. */
int account_restore_touches(account_t *account, const char *text, size_t size, nerr_t *err);

/* Reads the stored rows taken by account_restore_touches, if still unread, into 'touches'
 * ahead of those recorded since. Returns 0; NERR_NOMEM with the account as it was; or
 * NERR_INVALID with the rows before the malformed one read, 'malformed_row' set, and the
 * stored text to be written afresh without the rest. */
int account_read_rows(account_t *account, nerr_t *err);

/* Returns the stored state (without the touchpoints), owned (free with free()), or NULL when
 * out of memory. */
char *account_to_json(account_t *account);

/* Whether 'state' (a state from account_to_json) differs from the stored one; when it does,
 * it becomes the stored one. Returns 1 (differs), 0 (the same), or -1 when out of memory. */
int account_state_changes(account_t *account, const char *state);

/* The rows the next commit writes, as contact_rows_text; reads the stored rows first when the
 * text is to be written afresh. */
char *account_rows_text(account_t *account, int *rewrite, size_t *size);

/* Notes that the rows of account_rows_text are stored. */
void account_touches_saved(account_t *account);

/* Records 'event' (by contact 'contact') once: an event id already recorded, in memory or in
 * the stored rows (read when the hash of an unread row's id matches), is skipped, so deciding
 * an event again changes nothing. An `account_update` event's props become account facts.
 * Returns 0 or NERR_NOMEM. */
int account_record_touch(account_t *account, const event_t *event, nerr_t *err);

/* How many distinct contacts of the account had a touchpoint of 'type' (NULL: any) matching
 * 'filter' at or after 'since_ms'; reads the stored rows first. Returns the count, or -1 with
 * NERR_NOMEM in 'err'. */
int account_committee(account_t *account, const char *type, const contact_filter_t *filter,
                      int64_t since_ms, nerr_t *err);

/* Records a delivery for the account once per action id. Returns 0 or NERR_NOMEM. */
int account_mark_sent(account_t *account, const char *key, const char *action_id,
                      const char *channel, int is_task, int64_t at_ms, nerr_t *err);

#endif
