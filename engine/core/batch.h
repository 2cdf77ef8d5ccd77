/* batch: a batch of stream entries on its way through the engine — parsed, grouped by
 * contact, given the contacts' stored states, decided in stream order, and turned into one
 * commit per contact. Pure: the consumer does the Redis round trips around it, so the
 * batching logic is testable without a server. */
#ifndef NURTURE_BATCH_H
#define NURTURE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "engine/core/contact.h"
#include "engine/core/decide.h"
#include "engine/core/event.h"
#include "engine/core/nerr.h"
#include "engine/core/strmap.h"

typedef struct {
    char *entry_id;     /* the stream entry id */
    char *raw;          /* the `event` field as received; NULL when the entry had none */
    size_t raw_size;
    event_t event;      /* valid when 'is_valid' */
    int is_valid;
    char reason[256];   /* why it is not valid: the dead-letter reason */
    int contact_index;  /* into batch_t.contacts; -1 when not valid */
    int account_index;  /* into batch_t.accounts; -1 when the contact has no account, or
                           until batch_place_accounts for an event that names none */
    int is_duplicate;   /* seen before: in Redis, or earlier in this batch */
} batch_entry_t;

typedef struct {
    char *id;
    contact_t contact;     /* the stored state once restored, then as decided */
    int64_t stored_version; /* the version the commit expects */
    int decided_count;     /* events decided for this contact in this batch */
    char **action_ids;     /* the actions to schedule, in decision order */
    char **action_json;    /* their JSON without the closing brace */
    int64_t *action_due_ms;
    int action_count;
    char *state_json;      /* the new state, once decided */
    char **records;        /* JSON of actions held back or cancelled, for the held stream */
    int record_count;
    char **record_labels;  /* per record its metric labels, "status\0reason\0channel\0" in
                              one block (see batch_record_labels) */
    int label_count;
    char **cancelled_ids;  /* pending actions a goal cancelled: to be unscheduled */
    int cancelled_count;
    char halt[128];        /* the suppression in force after the batch, or "": content due
                              later is held at release while it holds */
    int *account_indexes;  /* the accounts its commit writes (into batch_t.accounts): those
                              of its decided entries, in the order first met; usually one */
    int account_count;
    int is_placed;         /* batch_place_accounts has given its entries their accounts */
} batch_contact_t;

typedef struct {
    char *id;
    account_t account;      /* the stored state once restored, then as decided */
    int64_t stored_version; /* the version the first commit of the batch expects */
    int decided_count;
    char *state_json;       /* the new state, once decided; every commit of one of its
                               contacts writes it, each expecting the version the previous
                               one left */
    int is_state_unchanged; /* the decided state is the stored one: the commits only move
                               its version */
    int commits_sent;       /* commits of the batch that write it so far */
    int commits_done;       /* ... and that succeeded */
} batch_account_t;

typedef struct {
    batch_entry_t *entries;
    int entry_count;
    int entry_capacity;
    batch_contact_t *contacts;
    int contact_count;
    int contact_capacity;
    strmap_t by_contact; /* contact id -> index + 1 */
    batch_account_t *accounts;
    int account_count;
    int account_capacity;
    strmap_t by_account; /* account id -> index + 1 */
} batch_t;

/* Called for every rule error while deciding, with the entry it happened on. */
typedef void (*batch_rule_error_cb)(const batch_entry_t *entry, const nerr_t *error, void *ud);

void batch_init(batch_t *batch);

/* Frees everything; the batch may be reused after batch_init. */
void batch_close(batch_t *batch);

/* Adds a stream entry: 'entry_id' and 'raw' ('size' bytes; NULL when the entry carried no
 * event field) are copied. An invalid event is kept with its reason. Returns 0 or NERR_NOMEM. */
int batch_add(batch_t *batch, const char *entry_id, const char *raw, size_t size, nerr_t *err);

/* Gives each entry whose event names no account the account its contact has by then: the
 * one its state holds, or the one an earlier event of the batch named; else the domain of a
 * company e-mail address (see account_id_for). An entry whose event names an account has
 * it from batch_add. Does so for the contacts 'ready' marks (NULL: all), once each, after
 * their states are in the batch. Accounts the batch did not have get slots at the end of
 * 'accounts', whose states the caller restores before deciding. Returns 0 or NERR_NOMEM. */
int batch_place_accounts(batch_t *batch, const int *ready, nerr_t *err);

/* Turns entry 'index' away with 'reason' (copied): it is dead-lettered instead of decided. */
void batch_reject(batch_t *batch, int index, const char *reason);

/* Gives contact 'index' its stored state ('state' of 'size' bytes at 'version'; NULL when
 * the contact is new) and stored history rows ('rows' of 'rows_size' bytes; NULL: none). Returns 0, or NERR_INVALID/NERR_NOMEM
 * with 'err' set. On NERR_INVALID (an unreadable state or row) the contact stays fresh at
 * 'version', so the caller may go on and the next commit replaces what is stored. */
int batch_restore(batch_t *batch, int index, const char *state, size_t size, int64_t version,
                  const char *rows, size_t rows_size, nerr_t *err);

/* Gives contact 'index' a state kept from an earlier batch instead of the stored one: takes
 * '*contact' (moved in; the caller must not close it), whose version the commit expects. */
void batch_adopt_contact(batch_t *batch, int index, contact_t *contact);
void batch_adopt_account(batch_t *batch, int index, account_t *account);

/* Moves contact 'index' out of the batch into '*out' (the caller owns it), e.g. to keep it
 * for the next batch once its commit succeeded. */
void batch_surrender_contact(batch_t *batch, int index, contact_t *out);
void batch_surrender_account(batch_t *batch, int index, account_t *out);

/* Gives account 'index' its stored state, like batch_restore. */
int batch_restore_account(batch_t *batch, int index, const char *state, size_t size,
                          int64_t version, const char *rows, size_t rows_size, nerr_t *err);

/* The labels of record 'index' of 'c': "held" or "cancelled", the policy or goal, and the
 * channel. Returns 0, or -1 when it has none (memory ran out while keeping it). */
int batch_record_labels(const batch_contact_t *c, int index, const char **status,
                        const char **reason, const char **channel);

/* Decides every valid, not-duplicate entry in stream order under 'playbook', and prepares
 * each touched contact's commit (new state JSON, actions, the accounts it writes). Returns 0
 * or NERR_NOMEM. */
int batch_decide(batch_t *batch, playbook_t *playbook, batch_rule_error_cb on_rule_error,
                 void *ud, nerr_t *err);

#endif
