/* consumer: the engine's pipeline over the events stream. Reads a batch with XREADGROUP on the
 * reader connection, fetches the batch's contact states and seen-marks in one pipelined round
 * trip on the same connection (and the states of accounts it learns only from the contact
 * states, for events that name no account, in a second), decides (engine/core/batch),
 * commits each contact's result with one atomic, version-checked FCALL on the writer
 * connection that also acks its entries, dead-letters malformed entries, and XACKs those and
 * the duplicates. The next batch is read and decided while one commits. Entries whose commit
 * conflicted or was cut off stay pending and are read again (own pending entries first), so
 * nothing is lost and nothing is applied twice.
 *
 * Life cycle: consumer_new -> connection changes reported by the caller -> consumer_stop ->
 * stopped_cb -> consumer_free. The consumer borrows its connections and playbook. */
#ifndef NURTURE_CONSUMER_H
#define NURTURE_CONSUMER_H

#include <stdint.h>

#include <uv.h>

#include "engine/core/nerr.h"
#include "engine/core/playbook.h"
#include "engine/shell/keys.h"
#include "engine/shell/meter.h"
#include "engine/shell/rconn.h"

typedef struct consumer consumer_t;

typedef struct {
    const char *name;     /* the consumer's name in the group; stable across restarts */
    int batch_size;       /* entries per XREADGROUP (default 256) */
    int block_ms;         /* XREADGROUP BLOCK (default 1000); bounds shutdown latency */
    int64_t seen_ttl_s;   /* how long an event id is remembered (default 30 days) */
    int max_deliveries;   /* an entry delivered this often without being settled is
                             dead-lettered (default 5); deliveries that ended in a refused
                             commit or a dropped batch do not count, up to 20 */
    int64_t claim_idle_ms; /* entries idle this long with another consumer are claimed
                              (default 60000; negative disables) */
    int cache_size;       /* contact states kept between batches, and as many account states
                             (default 4096; negative: none) */
    int cache_mib;        /* the memory those may hold, contacts and accounts together, as
                             estimated by their footprints (default 16; negative: only
                             cache_size bounds them) */
    int stored_filter_mib; /* the filter of the contacts and accounts stored in Redis, so
                              that new ones start without a fetch (default 2; negative: off,
                              every state not kept is fetched) */
} consumer_options_t;

/* Where the state of a contact or account of a batch came from: kept from the last commit,
 * handed on by the batch committing before this one, fetched from Redis, or none: new, as
 * the filter of stored states tells without asking Redis. */
enum {
    STATE_FROM_CACHE,
    STATE_FROM_PREVIOUS_BATCH,
    STATE_FROM_REDIS,
    STATE_NEW,
    STATE_SOURCES
};

typedef struct {
    uint64_t events;      /* entries read */
    uint64_t decided;     /* events decided and committed */
    uint64_t duplicates;  /* events seen before, acked without effects */
    uint64_t dead;        /* entries dead-lettered */
    uint64_t actions;     /* actions scheduled */
    uint64_t rule_errors;
    uint64_t conflicts;   /* commits refused by the version check, decided again */
    uint64_t claimed;     /* entries taken over from other consumers */
    uint64_t batches;     /* batches settled (acked, or left pending after a failure) */
    uint64_t contact_states[STATE_SOURCES]; /* per contact of a batch, by where its state came
                                               from (a fetch from Redis costs a round trip) */
    uint64_t account_states[STATE_SOURCES];
    uint64_t cached_contacts_bytes; /* the footprints of the states in the cache, as the last
                                       commits left it */
    uint64_t cached_accounts_bytes;
    meter_histogram_t batch_time;  /* from the read's reply until the batch is settled */
    meter_histogram_t fetch_time;  /* states and seen-marks round trip */
    meter_histogram_t decide_time; /* the playbook over the batch */
    meter_histogram_t commit_time; /* the commits' and dead letters' round trip */
    meter_histogram_t ack_time;    /* the XACK round trip of duplicates and dead letters */
    meter_labels_t held;      /* actions held back, by policy and channel (committed ones) */
    meter_labels_t cancelled; /* pending actions cancelled, by goal and channel */
} consumer_stats_t;

/* Called after each batch is settled, with the earliest due time (ms) of the actions it
 * scheduled (INT64_MAX for none; 0 after a connect, when anything may be due), so the
 * scheduler wakes for them. */
typedef void (*consumer_batch_cb)(void *ud, int64_t earliest_due_ms);
typedef void (*consumer_stopped_cb)(void *ud);

/* Creates a consumer over 'reader' and 'writer' (borrowed) with 'keys' (copied) and
 * 'playbook' (borrowed). Returns it, owned (free with consumer_free after it stopped), or
 * NULL with 'err' set. */
consumer_t *consumer_new(uv_loop_t *loop, rconn_t *reader, rconn_t *writer, const keys_t *keys,
                         playbook_t *playbook, const consumer_options_t *options,
                         consumer_batch_cb on_batch, void *ud, nerr_t *err);

/* Replaces the playbook (borrowed) for the batches decided from now on. Safe between any two
 * callbacks: a batch is decided within one callback. */
void consumer_set_playbook(consumer_t *consumer, playbook_t *playbook);

/* Tells the consumer a connection went up or down (from the rconn state callbacks). */
void consumer_connection_changed(consumer_t *consumer, rconn_t *conn, int is_up);

/* Finishes the batch in hand (a pending read returns within block_ms), then calls
 * 'stopped_cb' once. No new batch is started. */
void consumer_stop(consumer_t *consumer, consumer_stopped_cb stopped_cb, void *ud);

const consumer_stats_t *consumer_stats(const consumer_t *consumer);

/* Frees the consumer; accepts NULL. Only after stopped_cb ran (or before any connection). */
void consumer_free(consumer_t *consumer);

#endif
