/* consumer: read -> fetch -> decide -> commit -> ack, with two batches in flight.
 *
 * A batch is carried by a flight. While one flight's commits and ack run in Redis (the
 * committing flight), the next is read, fetched and decided (the current flight), so the
 * engine's rule work overlaps Redis's. The current flight sends its commits only once the
 * committing one is settled: when that one failed in any way, the current one is dropped
 * unwritten too, and both come back from the pending list in stream order.
 *
 * A contact (or account) in both flights is handed on: the current flight takes the state
 * the committing one decided, expecting the version its commit will leave, so the two
 * decisions chain exactly as in one batch. Every other state comes from the cache or is
 * fetched on the reader connection, which is idle between reads, so fetching does not wait
 * behind the other flight's commits on the writer.
 *
 * Every phase counts its outstanding replies; a phase ends when the count reaches zero. A
 * NULL reply (connection lost) marks the flight failed: nothing more is written for it, its
 * unsettled entries stay pending, and the next read starts from the consumer's own pending
 * entries (never while a flight is committing: its entries are pending too). The core
 * decides nothing twice because the commit function checks the contact's version and every
 * event's seen-mark before it writes. */
#include "engine/shell/consumer.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/batch.h"
#include "engine/core/bloom.h"
#include "engine/core/jsonw.h"
#include "engine/core/slotcache.h"
#include "engine/core/strmap.h"
#include "engine/shell/log.h"
#include "generated/redis_functions.h"

#define RETRY_DELAY_MS 1000 /* after an error reply, before reading again */
#define SEEN_TTL_DEFAULT_S (30LL * 86400)
#define MAX_DELIVERIES_DEFAULT 5
#define CLAIM_IDLE_DEFAULT_MS 60000
#define CLAIM_COUNT 256
#define CACHE_DEFAULT 4096 /* contact (and account) states kept, within the budget below */
/* The memory the kept states may hold, as their footprints count it. With 16 MiB the live
 * events of the 100k benchmark fetched a third as many contacts as 768 slots without a
 * budget did, and a run over a million events peaked lower (see docs/benchmarks.md).
 * Accounts get two thirds: one holds the touchpoints of all its contacts. */
#define CACHE_MIB_DEFAULT 16
/* The filter of stored states: 2 MiB keep about 1.7 million contacts and accounts at 10 bits
 * each, where about one new state in a hundred is fetched anyway. */
#define STORED_FILTER_MIB_DEFAULT 2
#define SEED_SCAN_COUNT "1000" /* keys SCAN looks at per call while seeding the filter */
/* After a state taken for new turned out stored (another engine of the group created it),
 * new states are fetched for this long. Each wrong guess fails its flight and the next one,
 * whose entries are then read and decided again: two engines guessing all the time over
 * 20,000 events of 2,000 contacts dead-lettered 130 entries in one run, out of deliveries,
 * before such deliveries stopped counting (EXCUSED_MAX). */
#define GUESS_PAUSE_MS 60000
/* Deliveries that ended in a refused commit, or in a batch dropped behind a failed one, say
 * nothing of the entry itself and do not count toward max_deliveries, up to this many per
 * entry (so that a refusal that never ends still does). Two engines sharing a contact's
 * events refuse each other's commits of it several times in a row now and then: counted,
 * those deliveries dead-lettered up to 13 of 20,000 entries a run. */
#define EXCUSED_MAX 20
#define EXCUSED_ENTRIES_MAX 65536 /* past this many entries remembered, forget them all */

typedef enum {
    FLIGHT_FREE,       /* no batch */
    FLIGHT_FETCHING,   /* states and seen-marks asked for */
    FLIGHT_DECIDED,    /* waiting for the committing flight to settle */
    FLIGHT_COMMITTING, /* commits and dead letters sent */
    FLIGHT_ACKING
} flight_phase_t;

typedef struct flight flight_t;

typedef struct {
    flight_t *flight;
    int index;
    int is_account;     /* for a stored state: an account's, not a contact's */
    int is_guessed_new; /* the state was not fetched: the filter said it is not stored */
} reply_ctx_t;

struct flight {
    consumer_t *consumer;
    flight_phase_t phase;
    batch_t batch;
    reply_ctx_t *contexts; /* one per entry, contact and account of the batch */
    int outstanding;
    int is_failed;
    int *is_settled;       /* per entry: settled but not acked by a commit (a duplicate or a
                              dead letter): acked with one XACK after the commits */
    int *commit_status;    /* per contact: 1 committed, 0 conflict, -1 unknown */
    int *is_cached;        /* per contact: its state came from the cache or the other flight */
    int accounts_asked;    /* account slots whose states were asked for (see fetch_accounts) */
    int64_t earliest_due_ms; /* of the actions committed so far; INT64_MAX for none */
    uint64_t started_ns;   /* uv_hrtime when the batch was read */
    uint64_t phase_started_ns;
};

struct consumer {
    uv_loop_t *loop;
    rconn_t *reader;
    rconn_t *writer;
    keys_t keys;
    playbook_t *playbook;
    consumer_options_t options;
    char name[KEYS_NAME_MAX];
    consumer_batch_cb on_batch;
    void *ud;

    int is_ready;        /* the function library is loaded and the group exists */
    int setup_outstanding;
    int setup_failed;
    int is_reading;      /* an XREADGROUP is in flight */
    int read_pending_first; /* the next read starts at "0": own pending entries */
    int is_reading_pending; /* the read in flight is of our own pending entries; a claim may
                               set read_pending_first meanwhile, for the read after it */
    uint64_t claimed_at_read; /* stats.claimed when that read was sent */
    int is_retry_armed;
    uv_timer_t retry_timer;
    uv_timer_t claim_timer;  /* XAUTOCLAIM of entries left idle by other consumers */
    int is_claiming;
    int open_handles;        /* timers not yet closed */
    strmap_t deliveries;     /* entry id -> delivery count, for the pending read in flight */
    strmap_t excused;        /* entry id -> deliveries not counted (see EXCUSED_MAX); NULL
                                once the entry is committed */
    slotcache_t contact_cache; /* contact id -> contact_t* as last committed */
    slotcache_t account_cache; /* account id -> account_t* likewise */
    bloom_t stored;          /* the keys of the contact and account states in Redis: seeded by
                                SCAN, then every commit adds the keys of the states it
                                creates */
    int is_stored_known;     /* the seed has run through: a key the filter never had is not
                                in Redis, unless another engine wrote it since (then the
                                commit's version check refuses, and the state is fetched) */
    int is_seeding;          /* a SCAN of the seed is in flight */
    uint64_t guess_again_ms; /* uv_now from when new states may be guessed again */

    int is_stopping;
    consumer_stopped_cb stopped_cb;
    void *stopped_ud;

    flight_t flights[2];
    flight_t *committing; /* the flight whose commits or ack are in Redis, or NULL */
    flight_t *current;    /* the flight being read into, fetched or decided, or NULL */

    consumer_stats_t stats;
};

static void read_next(consumer_t *c);
static void free_cached_contact(void *value);
static void free_cached_account(void *value);
static void reject_worn_out(consumer_t *c, flight_t *f);
static void start_setup(consumer_t *c);
static void send_commits(consumer_t *c, flight_t *f);
static int fetch_state(consumer_t *c, flight_t *f, reply_ctx_t *ctx, const char *id);

/* ---- life cycle ------------------------------------------------------------------------- */

consumer_t *consumer_new(uv_loop_t *loop, rconn_t *reader, rconn_t *writer, const keys_t *keys,
                         playbook_t *playbook, const consumer_options_t *options,
                         consumer_batch_cb on_batch, void *ud, nerr_t *err) {
    consumer_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        nerr_set(err, NERR_NOMEM, "out of memory creating the consumer");
        return NULL;
    }
    c->loop = loop;
    c->reader = reader;
    c->writer = writer;
    c->keys = *keys;
    c->playbook = playbook;
    c->options = *options;
    snprintf(c->name, sizeof c->name, "%s", options->name ? options->name : "nurture");
    c->options.name = c->name;
    if (c->options.batch_size <= 0)
        c->options.batch_size = 256;
    if (c->options.block_ms <= 0)
        c->options.block_ms = 1000;
    if (c->options.seen_ttl_s <= 0)
        c->options.seen_ttl_s = SEEN_TTL_DEFAULT_S;
    if (c->options.max_deliveries <= 0)
        c->options.max_deliveries = MAX_DELIVERIES_DEFAULT;
    if (c->options.claim_idle_ms == 0)
        c->options.claim_idle_ms = CLAIM_IDLE_DEFAULT_MS;
    if (c->options.cache_size == 0)
        c->options.cache_size = CACHE_DEFAULT;
    if (c->options.cache_mib == 0)
        c->options.cache_mib = CACHE_MIB_DEFAULT;
    if (c->options.stored_filter_mib == 0)
        c->options.stored_filter_mib = STORED_FILTER_MIB_DEFAULT;
    c->on_batch = on_batch;
    c->ud = ud;
    c->read_pending_first = 1; /* after a crash, our own unacked entries come first */
    uv_timer_init(loop, &c->retry_timer);
    uv_timer_init(loop, &c->claim_timer);
    c->retry_timer.data = c->claim_timer.data = c;
    c->open_handles = 2;
    strmap_init(&c->deliveries);
    strmap_init(&c->excused);
    /* Out of memory here only turns the cache off. */
    size_t slots = c->options.cache_size > 0 ? (size_t)c->options.cache_size : 0;
    size_t budget = c->options.cache_mib > 0 ? (size_t)c->options.cache_mib << 20 : 0;
    slotcache_init(&c->contact_cache, slots, budget / 3, free_cached_contact);
    slotcache_init(&c->account_cache, slots, budget - budget / 3, free_cached_account);
    /* Likewise, out of memory here only turns the filter off: every state is fetched. */
    if (c->options.stored_filter_mib > 0)
        bloom_init(&c->stored, (size_t)c->options.stored_filter_mib << 20);
    for (int k = 0; k < 2; k++) {
        c->flights[k].consumer = c;
        c->flights[k].earliest_due_ms = INT64_MAX;
        batch_init(&c->flights[k].batch);
    }
    return c;
}

const consumer_stats_t *consumer_stats(const consumer_t *c) { return &c->stats; }

/* Returns the flight to free state; accepts a free one. */
static void flight_clear(flight_t *f) {
    batch_close(&f->batch);
    free(f->contexts);
    free(f->is_settled);
    free(f->commit_status);
    free(f->is_cached);
    consumer_t *c = f->consumer;
    memset(f, 0, sizeof *f);
    f->consumer = c;
    f->earliest_due_ms = INT64_MAX;
    batch_init(&f->batch);
}

/* Adds the time since the phase began to 'histogram' and starts the next phase's clock. */
static void phase_done(flight_t *f, meter_histogram_t *histogram) {
    uint64_t now = uv_hrtime();
    meter_observe_ns(histogram, now - f->phase_started_ns);
    f->phase_started_ns = now;
}

/* ---- state cache: what this engine committed last, so the next batch need not fetch it -- */

static void free_cached_contact(void *value) {
    if (value)
        contact_close(value);
    free(value);
}

static void free_cached_account(void *value) {
    if (value)
        account_close(value);
    free(value);
}

/* Publishes what the cache holds now, for the metrics. */
static void cache_count(consumer_t *c) {
    c->stats.cached_contacts_bytes = c->contact_cache.bytes;
    c->stats.cached_accounts_bytes = c->account_cache.bytes;
}

static void cache_clear(consumer_t *c) {
    slotcache_clear(&c->contact_cache);
    slotcache_clear(&c->account_cache);
    cache_count(c);
}

/* After a flight's commits: keeps the states whose commits all succeeded, for a later
 * batch. States handed on to the next flight are gone from this one (zeroed) and skipped. */
static void cache_committed(consumer_t *c, flight_t *f) {
    if (c->options.cache_size < 0)
        return;
    for (int i = 0; i < f->batch.contact_count; i++) {
        batch_contact_t *bc = &f->batch.contacts[i];
        contact_t *kept = f->commit_status[i] == 1 && bc->contact.id ? malloc(sizeof *kept) : NULL;
        if (kept == NULL)
            continue;
        batch_surrender_contact(&f->batch, i, kept);
        kept->version = bc->stored_version + 1;
        slotcache_put(&c->contact_cache, bc->id, kept, contact_footprint(kept));
    }
    for (int i = 0; i < f->batch.account_count; i++) {
        batch_account_t *ba = &f->batch.accounts[i];
        account_t *kept = ba->commits_sent > 0 && ba->commits_done == ba->commits_sent &&
                                  ba->account.id
                              ? malloc(sizeof *kept) : NULL;
        if (kept == NULL)
            continue;
        batch_surrender_account(&f->batch, i, kept);
        kept->version = ba->stored_version + ba->commits_done;
        slotcache_put(&c->account_cache, ba->id, kept, account_footprint(kept));
    }
    cache_count(c);
}

void consumer_free(consumer_t *c) {
    if (c == NULL)
        return;
    flight_clear(&c->flights[0]);
    flight_clear(&c->flights[1]);
    batch_close(&c->flights[0].batch);
    batch_close(&c->flights[1].batch);
    strmap_close(&c->deliveries, NULL);
    strmap_close(&c->excused, NULL);
    slotcache_close(&c->contact_cache);
    slotcache_close(&c->account_cache);
    bloom_free(&c->stored);
    free(c);
}

void consumer_set_playbook(consumer_t *c, playbook_t *playbook) { c->playbook = playbook; }

static void timer_closed(uv_handle_t *handle) {
    consumer_t *c = handle->data;
    if (--c->open_handles == 0 && c->stopped_cb)
        c->stopped_cb(c->stopped_ud);
}

/* Called whenever the consumer goes idle: either stops for good or waits for the next read. */
static void maybe_finish_stop(consumer_t *c) {
    if (!c->is_stopping || c->is_reading || c->current || c->committing ||
        c->setup_outstanding > 0 || c->is_claiming || c->is_seeding)
        return;
    if (!uv_is_closing((uv_handle_t *)&c->retry_timer)) {
        uv_close((uv_handle_t *)&c->retry_timer, timer_closed);
        uv_close((uv_handle_t *)&c->claim_timer, timer_closed);
    }
}

void consumer_stop(consumer_t *c, consumer_stopped_cb stopped_cb, void *ud) {
    if (c->is_stopping)
        return;
    c->is_stopping = 1;
    c->stopped_cb = stopped_cb;
    c->stopped_ud = ud;
    uv_timer_stop(&c->retry_timer);
    uv_timer_stop(&c->claim_timer);
    maybe_finish_stop(c);
}

static void retry_fired(uv_timer_t *timer) {
    consumer_t *c = timer->data;
    c->is_retry_armed = 0;
    if (!c->is_ready)
        start_setup(c);
    else
        read_next(c);
}

static void retry_later(consumer_t *c) {
    if (c->is_stopping || c->is_retry_armed)
        return;
    c->is_retry_armed = 1;
    uv_timer_start(&c->retry_timer, retry_fired, RETRY_DELAY_MS, 0);
}

/* ---- claim: entries left behind by consumers that died ---------------------------------- */

static void start_claim(consumer_t *c, const char *from);

static void claim_fired(uv_timer_t *timer) { start_claim(timer->data, "0-0"); }

static void claim_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    consumer_t *c = privdata;
    redisReply *reply = r;
    c->is_claiming = 0;
    if (reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        reply->element[1]->type == REDIS_REPLY_ARRAY) {
        size_t claimed = reply->element[1]->elements;
        if (claimed > 0) {
            c->stats.claimed += claimed;
            c->read_pending_first = 1; /* they are ours now: read them first */
            LOG(LOG_WARN, "claimed %zu entries idle for over %lld ms with other consumers",
                claimed, (long long)c->options.claim_idle_ms);
        }
        if (strcmp(reply->element[0]->str, "0-0") != 0 && !c->is_stopping) {
            start_claim(c, reply->element[0]->str);
            return;
        }
    } else if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        LOG(LOG_WARN, "XAUTOCLAIM failed: %s", reply->str);
    }
    if (c->is_stopping) {
        maybe_finish_stop(c);
        return;
    }
    /* Check again after half the idle time, so an orphan waits at most 1.5 times it. */
    uv_timer_start(&c->claim_timer, claim_fired, (uint64_t)(c->options.claim_idle_ms / 2 + 1), 0);
}

/* Takes over (JUSTID: without counting a delivery) the entries idle longer than claim_idle_ms
 * in other consumers' pending lists, starting at stream id 'from'. */
static void start_claim(consumer_t *c, const char *from) {
    if (c->options.claim_idle_ms < 0 || c->is_claiming || c->is_stopping || !c->is_ready)
        return;
    char idle[24], count[16];
    snprintf(idle, sizeof idle, "%lld", (long long)c->options.claim_idle_ms);
    snprintf(count, sizeof count, "%d", CLAIM_COUNT);
    const char *argv[] = {"XAUTOCLAIM", c->keys.events, c->keys.group, c->name, idle, from,
                          "COUNT",      count,          "JUSTID"};
    if (rconn_command_argv(c->writer, claim_reply, c, 9, argv, NULL) == 0)
        c->is_claiming = 1;
}

/* ---- stored states: which contacts and accounts exist in Redis -------------------------- */

static void start_seed(consumer_t *c, const char *cursor);

/* Adds the key of a state a commit creates (it expects version 0): from its send on, the
 * state may be in Redis (if the commit is lost or refused instead, a fetch finds out, as it
 * would have without the filter); and of a state a fetch found stored, which the listing
 * may have missed (another engine created it while the SCAN ran). A state of a later
 * version came to the batch through one of those, so the commits of those (nearly all of
 * them) skip the hash and the seven scattered bits: 1.2% of the engine's time live when
 * every commit added its keys. */
static void note_stored(consumer_t *c, const char *key) {
    bloom_add(&c->stored, key, strlen(key));
}

/* Returns 1 when the state at 'key' is surely not in Redis, so it need not be fetched. */
static int is_surely_new(const consumer_t *c, const char *key) {
    return c->is_stored_known && uv_now(c->loop) >= c->guess_again_ms &&
           !bloom_may_contain(&c->stored, key, strlen(key));
}

/* Called for a refused commit: when it wrote a state guessed new, that guess was wrong (or
 * it was refused for another reason, which pausing does no harm to), and guessing pauses. */
static void check_guesses(consumer_t *c, const flight_t *f, const reply_ctx_t *ctx) {
    const batch_contact_t *contact = &f->batch.contacts[ctx->index];
    int was_guessed = ctx->is_guessed_new;
    int accounts_from = f->batch.entry_count + f->batch.contact_count;
    for (int i = 0; i < contact->account_count; i++)
        was_guessed |= f->contexts[accounts_from + contact->account_indexes[i]].is_guessed_new;
    if (!was_guessed)
        return;
    if (uv_now(c->loop) >= c->guess_again_ms)
        LOG(LOG_INFO, "a state of contact %s taken for new is stored (another engine of the "
            "group may have created it): new states are fetched for %d s", contact->id,
            GUESS_PAUSE_MS / 1000);
    c->guess_again_ms = uv_now(c->loop) + GUESS_PAUSE_MS;
}

static void seed_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    consumer_t *c = privdata;
    redisReply *reply = r;
    c->is_seeding = 0;
    if (reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        reply->element[1]->type == REDIS_REPLY_ARRAY) {
        const redisReply *found = reply->element[1];
        for (size_t i = 0; i < found->elements; i++)
            if (found->element[i]->type == REDIS_REPLY_STRING)
                note_stored(c, found->element[i]->str);
        if (strcmp(reply->element[0]->str, "0") != 0) {
            start_seed(c, reply->element[0]->str);
        } else {
            c->is_stored_known = 1;
            LOG(LOG_INFO, "stored states listed (%zu keys in a filter of %zu KiB): new "
                "contacts and accounts start without a fetch", c->stored.added,
                bloom_bytes(&c->stored) >> 10);
        }
    } else if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        LOG(LOG_WARN, "SCAN of the stored states failed: %s (every state not kept is fetched)",
            reply->str);
    }
    /* A lost connection ends the seed here; it starts over at the next setup. */
    maybe_finish_stop(c);
}

/* Lists the contact and account states in Redis into the filter, one SCAN at a time from
 * 'cursor' on the writer, while batches run as before: until the listing has run through,
 * every state not kept is fetched. Keys another engine creates meanwhile may be missed;
 * the commit's version check covers those. Once it has run through, it is not run again:
 * the commits keep the filter up from then on. */
static void start_seed(consumer_t *c, const char *cursor) {
    if (c->stored.words == NULL || c->is_stored_known || c->is_seeding || c->is_stopping ||
        !c->is_ready)
        return;
    /* "<prefix>:{0}:*" with the prefix's glob characters escaped; TYPE leaves out the
     * seen-marks, which are most of the keys. */
    char pattern[2 * KEYS_NAME_MAX + 8];
    size_t used = 0;
    for (const char *p = c->keys.prefix; *p; p++) {
        if (strchr("*?[]\\", *p))
            pattern[used++] = '\\';
        pattern[used++] = *p;
    }
    memcpy(pattern + used, ":{0}:*", sizeof ":{0}:*");
    const char *argv[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", SEED_SCAN_COUNT,
                          "TYPE", "hash"};
    if (rconn_command_argv(c->writer, seed_reply, c, 8, argv, NULL) == 0)
        c->is_seeding = 1;
}

/* ---- setup: function library and consumer group ----------------------------------------- */

static void setup_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    consumer_t *c = privdata;
    redisReply *reply = r;
    c->setup_outstanding--;
    if (reply == NULL) {
        c->setup_failed = 1;
    } else if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "BUSYGROUP", 9) != 0) {
        LOG(LOG_ERROR, "setup failed: %s", reply->str);
        c->setup_failed = 1;
    }
    if (c->setup_outstanding > 0)
        return;
    if (c->setup_failed) {
        retry_later(c);
    } else {
        c->is_ready = 1;
        LOG(LOG_INFO, "ready: group %s on stream %s, consumer %s", c->keys.group, c->keys.events,
            c->name);
        if (c->on_batch)
            c->on_batch(c->ud, 0); /* release whatever fell due while we were away */
        start_claim(c, "0-0");
        start_seed(c, "0");
        read_next(c);
    }
    maybe_finish_stop(c);
}

/* Loads the function library and creates the group (from the stream's start, so events
 * pushed before the first run are processed). Runs after every writer connect: a restarted
 * Redis without persistence has lost both. */
static void start_setup(consumer_t *c) {
    if (c->setup_outstanding > 0 || c->is_stopping || !rconn_is_up(c->writer))
        return;
    c->setup_failed = 0;
    const char *load[] = {"FUNCTION", "LOAD", "REPLACE", REDIS_FUNCTIONS_LUA};
    const char *group[] = {"XGROUP", "CREATE", c->keys.events, c->keys.group, "0", "MKSTREAM"};
    if (rconn_command_argv(c->writer, setup_reply, c, 4, load, NULL) == 0)
        c->setup_outstanding++;
    if (rconn_command_argv(c->writer, setup_reply, c, 6, group, NULL) == 0)
        c->setup_outstanding++;
    if (c->setup_outstanding < 2) {
        c->setup_failed = 1;
        if (c->setup_outstanding == 0)
            retry_later(c);
    }
}

void consumer_connection_changed(consumer_t *c, rconn_t *conn, int is_up) {
    if (conn == c->writer) {
        c->is_ready = 0;
        cache_clear(c); /* Redis may have restarted with older data: fetch afresh */
        if (is_up)
            start_setup(c);
    } else if (is_up && c->is_ready) {
        read_next(c);
    }
}

/* ---- settling: ack ---------------------------------------------------------------------- */

static void flight_settled(consumer_t *c, flight_t *f);

/* Counts a delivery of entry 'index' of 'f' that says nothing of the entry itself: it will
 * be read again, and this reading is not held against it (see EXCUSED_MAX). */
static void excuse_delivery(consumer_t *c, const flight_t *f, int index) {
    const batch_entry_t *e = &f->batch.entries[index];
    if (!e->is_valid || e->is_duplicate)
        return; /* settled anyway: acked, or dead-lettered for a reason of its own */
    if (c->excused.count >= EXCUSED_ENTRIES_MAX) {
        strmap_close(&c->excused, NULL); /* forgetting only counts deliveries again */
        strmap_init(&c->excused);
    }
    void **slot = strmap_slot(&c->excused, e->entry_id);
    if (slot != NULL && (intptr_t)*slot < EXCUSED_MAX)
        *slot = (void *)((intptr_t)*slot + 1);
}

/* Forgets the excused deliveries of the entries of contact 'index', committed now. */
static void forget_excused(consumer_t *c, const flight_t *f, int index) {
    if (c->excused.count == 0)
        return;
    for (int i = 0; i < f->batch.entry_count; i++)
        if (f->batch.entries[i].contact_index == index &&
            strmap_get(&c->excused, f->batch.entries[i].entry_id) != NULL)
            strmap_put(&c->excused, f->batch.entries[i].entry_id, NULL);
}

/* Drops the current flight unwritten (its entries stay pending) once nothing is outstanding
 * for it; a flight still fetching is dropped when its fetch ends. */
static void fail_current(consumer_t *c) {
    flight_t *f = c->current;
    if (f == NULL)
        return;
    if (!f->is_failed)
        for (int i = 0; i < f->batch.entry_count; i++)
            excuse_delivery(c, f, i);
    f->is_failed = 1;
    if (f->phase == FLIGHT_DECIDED)
        flight_settled(c, f);
}

/* The end of a flight, acked or failed: the next flight may commit, or the next read start. */
static void flight_settled(consumer_t *c, flight_t *f) {
    meter_observe_ns(&c->stats.batch_time, uv_hrtime() - f->started_ns);
    c->stats.batches++;
    int was_failed = f->is_failed;
    int64_t earliest_due_ms = f->earliest_due_ms;
    if (was_failed)
        c->read_pending_first = 1;
    if (c->committing == f)
        c->committing = NULL;
    if (c->current == f)
        c->current = NULL;
    flight_clear(f);
    if (c->on_batch)
        c->on_batch(c->ud, earliest_due_ms);
    if (was_failed)
        fail_current(c); /* it may have been decided from states that were not written */
    else if (c->current && c->current->phase == FLIGHT_DECIDED)
        send_commits(c, c->current);
    if (c->is_stopping)
        maybe_finish_stop(c);
    else
        read_next(c);
}

static void ack_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    flight_t *f = privdata;
    consumer_t *c = f->consumer;
    redisReply *reply = r;
    phase_done(f, &c->stats.ack_time);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        LOG(LOG_WARN, "XACK failed (%s): entries stay pending and are settled again",
            reply ? reply->str : "connection lost");
        f->is_failed = 1;
    }
    flight_settled(c, f);
}

static void send_ack(consumer_t *c, flight_t *f) {
    int count = 0;
    for (int i = 0; i < f->batch.entry_count; i++)
        count += f->is_settled[i];
    if (count == 0) {
        flight_settled(c, f);
        return;
    }
    const char **argv = malloc((size_t)(count + 3) * sizeof *argv);
    if (argv == NULL) {
        f->is_failed = 1;
        flight_settled(c, f);
        return;
    }
    int argc = 0;
    argv[argc++] = "XACK";
    argv[argc++] = c->keys.events;
    argv[argc++] = c->keys.group;
    for (int i = 0; i < f->batch.entry_count; i++)
        if (f->is_settled[i])
            argv[argc++] = f->batch.entries[i].entry_id;
    f->phase = FLIGHT_ACKING;
    int rc = rconn_command_argv(c->writer, ack_reply, f, argc, argv, NULL);
    free(argv);
    if (rc != 0) {
        f->is_failed = 1;
        flight_settled(c, f);
    }
}

/* ---- commit ----------------------------------------------------------------------------- */

static void commit_phase_done(consumer_t *c, flight_t *f) {
    phase_done(f, &c->stats.commit_time);
    cache_committed(c, f);
    /* A committed contact's entries were acked by its commit; the others are read again
     * from pending. */
    for (int i = 0; i < f->batch.entry_count; i++) {
        const batch_entry_t *e = &f->batch.entries[i];
        if (e->is_valid && !e->is_duplicate && f->commit_status[e->contact_index] != 1)
            f->is_failed = 1;
    }
    send_ack(c, f);
}

/* Counts the held-back and cancelled actions of a committed contact by policy (or goal) and
 * channel. */
static void count_records(consumer_t *c, const batch_contact_t *contact) {
    for (int i = 0; i < contact->record_count; i++) {
        const char *status, *reason, *channel;
        if (batch_record_labels(contact, i, &status, &reason, &channel) != 0)
            continue;
        if (strcmp(status, "held") == 0)
            meter_count(&c->stats.held, reason, channel, 1);
        else
            meter_count(&c->stats.cancelled, reason, channel, 1);
    }
}

static void commit_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    reply_ctx_t *ctx = privdata;
    flight_t *f = ctx->flight;
    consumer_t *c = f->consumer;
    redisReply *reply = r;
    batch_contact_t *contact = &f->batch.contacts[ctx->index];
    if (reply == NULL) {
        f->is_failed = 1;
    } else if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
        f->commit_status[ctx->index] = 1;
        forget_excused(c, f, ctx->index);
        for (int i = 0; i < contact->account_count; i++)
            f->batch.accounts[contact->account_indexes[i]].commits_done++;
        c->stats.decided += (uint64_t)contact->decided_count;
        c->stats.actions += (uint64_t)contact->action_count;
        for (int i = 0; i < contact->action_count; i++)
            if (contact->action_due_ms[i] < f->earliest_due_ms)
                f->earliest_due_ms = contact->action_due_ms[i];
        count_records(c, contact);
    } else if (reply->type == REDIS_REPLY_INTEGER) {
        f->commit_status[ctx->index] = 0;
        for (int i = 0; i < f->batch.entry_count; i++)
            if (f->batch.entries[i].contact_index == ctx->index)
                excuse_delivery(c, f, i);
        c->stats.conflicts++;
        check_guesses(c, f, ctx);
        LOG(LOG_INFO, "commit conflict for contact %s: deciding again from fresh state",
            contact->id);
    } else {
        LOG(LOG_ERROR, "commit of contact %s failed: %s", contact->id,
            reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    }
    if (--f->outstanding == 0)
        commit_phase_done(c, f);
}

static void dead_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    reply_ctx_t *ctx = privdata;
    flight_t *f = ctx->flight;
    redisReply *reply = r;
    if (reply != NULL && reply->type == REDIS_REPLY_STRING) {
        f->is_settled[ctx->index] = 1;
        f->consumer->stats.dead++;
    } else {
        f->is_failed = 1;
    }
    if (--f->outstanding == 0)
        commit_phase_done(f->consumer, f);
}

static int send_dead_letter(consumer_t *c, flight_t *f, int index) {
    const batch_entry_t *e = &f->batch.entries[index];
    if (LOG_WARN >= log_threshold) {
        const log_fields_t fields = {e->event.contact, e->event.id, e->entry_id};
        log_write_fields(LOG_WARN, &fields, "dead-lettering entry %s: %s", e->entry_id, e->reason);
    }
    const char *argv[] = {"XADD", c->keys.dead, "*", "reason", e->reason, "entry", e->entry_id,
                          "stream", c->keys.events, "event", e->raw};
    size_t lengths[11];
    for (int i = 0; i < 10; i++)
        lengths[i] = strlen(argv[i]);
    lengths[10] = e->raw_size;
    f->contexts[index] = (reply_ctx_t){.flight = f, .index = index};
    return rconn_command_argv(c->writer, dead_reply, &f->contexts[index], e->raw ? 11 : 9, argv,
                              lengths);
}

/* The pair of arguments that brings a stored text of rows up to date: "a" (append), "s"
 * (set) or "" (nothing to write), and the rows. */
typedef struct {
    char mode[2];
    char *text; /* owned */
    size_t size;
} rows_write_t;

static int rows_write(rows_write_t *w, char *text, int rewrite, size_t size) {
    if (rewrite < 0)
        return -1;
    w->mode[0] = rewrite ? 's' : text ? 'a' : '\0';
    w->mode[1] = '\0';
    w->text = text;
    w->size = size;
    return 0;
}

/* Sends FCALL nurture_commit for one contact: its new state (and its accounts'), actions,
 * records and rows, and the acks of its entries; see redis_functions.lua for the argument
 * layout. */
static int send_commit(consumer_t *c, flight_t *f, int index) {
    batch_contact_t *contact = &f->batch.contacts[index];
    int seen_count = contact->decided_count;
    int accounts = contact->account_count;
    int argc = 3 + 6 + 2 * accounts + seen_count + 6 + 4 * accounts + 1 +
               3 * contact->action_count + 1 + contact->cancelled_count + 1 +
               contact->record_count + 2 + seen_count;
    const char **argv = calloc((size_t)argc, sizeof *argv);
    size_t *lengths = calloc((size_t)argc, sizeof *lengths);
    /* Each key and number is written before it is used. */
    char(*keys)[KEYS_KEY_MAX] = malloc((size_t)(2 + 2 * accounts + seen_count) * sizeof *keys);
    char(*numbers)[JSONW_INT64_MAX] =
        calloc((size_t)(7 + accounts + contact->action_count), sizeof *numbers);
    rows_write_t *rows = calloc((size_t)(1 + accounts), sizeof *rows); /* history, touches */
    int rewrite;
    size_t size;
    int rc = -1;
    if (!argv || !lengths || !keys || !numbers || !rows)
        goto done;
    char *text = contact_rows_text(&contact->contact, &rewrite, &size);
    if (rows_write(&rows[0], text, rewrite, size) != 0)
        goto done;
    for (int i = 0; i < accounts; i++) {
        batch_account_t *account = &f->batch.accounts[contact->account_indexes[i]];
        text = account_rows_text(&account->account, &rewrite, &size);
        if (rows_write(&rows[1 + i], text, rewrite, size) != 0)
            goto done;
        if (account->account.malformed_row > 0) {
            LOG(LOG_ERROR, "stored touchpoint row %d of account %s is malformed: it and the "
                "rows after it are dropped", account->account.malformed_row, account->id);
            account->account.malformed_row = 0;
        }
    }
    int n = 0, k = 0;
    argv[n++] = "FCALL";
    argv[n++] = "nurture_commit";
    jsonw_format_int64(numbers[0], 6 + 2 * accounts + seen_count);
    argv[n++] = numbers[0];
    keys_contact(&c->keys, contact->id, keys[k], sizeof keys[k]);
    if (contact->stored_version == 0)
        note_stored(c, keys[k]);
    argv[n++] = keys[k++];
    argv[n++] = c->keys.due;
    argv[n++] = c->keys.scheduled;
    argv[n++] = c->keys.held;
    argv[n++] = c->keys.events;
    keys_history(&c->keys, contact->id, keys[k], sizeof keys[k]);
    argv[n++] = keys[k++];
    for (int i = 0; i < accounts; i++) {
        const batch_account_t *account = &f->batch.accounts[contact->account_indexes[i]];
        const char *id = account->id;
        keys_account(&c->keys, id, keys[k], sizeof keys[k]);
        if (account->stored_version == 0)
            note_stored(c, keys[k]);
        argv[n++] = keys[k++];
        keys_account_touches(&c->keys, id, keys[k], sizeof keys[k]);
        argv[n++] = keys[k++];
    }
    for (int i = 0; i < f->batch.entry_count; i++) {
        const batch_entry_t *e = &f->batch.entries[i];
        if (e->contact_index == index && e->is_valid && !e->is_duplicate) {
            keys_seen(&c->keys, e->event.id, keys[k], sizeof keys[k]);
            argv[n++] = keys[k++];
        }
    }
    /* Numbers without snprintf: a commit has a dozen, and printf cost more than the rest. */
    jsonw_format_int64(numbers[1], contact->stored_version);
    jsonw_format_int64(numbers[2], c->options.seen_ttl_s);
    jsonw_format_int64(numbers[3], accounts);
    argv[n++] = numbers[1];
    argv[n++] = numbers[2];
    argv[n++] = c->keys.group;
    argv[n++] = contact->state_json;
    argv[n++] = contact->halt;
    argv[n++] = numbers[3];
    char(*account_versions)[JSONW_INT64_MAX] = numbers + 7;
    for (int i = 0; i < accounts; i++) {
        batch_account_t *account = &f->batch.accounts[contact->account_indexes[i]];
        /* Each commit of the batch that writes this account expects the version the
         * previous one left, so the account's commits stay in stream order. */
        jsonw_format_int64(account_versions[i],
                           account->stored_version + account->commits_sent++);
        argv[n++] = account_versions[i];
        /* An account state that stays as stored is not sent: only its version moves. */
        argv[n++] = account->is_state_unchanged ? "" : account->state_json;
        argv[n++] = rows[1 + i].mode;
        lengths[n] = rows[1 + i].size;
        argv[n++] = rows[1 + i].text ? rows[1 + i].text : "";
    }
    jsonw_format_int64(numbers[4], contact->action_count);
    argv[n++] = numbers[4];
    char(*due)[JSONW_INT64_MAX] = numbers + 7 + accounts;
    for (int i = 0; i < contact->action_count; i++) {
        jsonw_format_int64(due[i], contact->action_due_ms[i]);
        argv[n++] = contact->action_ids[i];
        argv[n++] = due[i];
        argv[n++] = contact->action_json[i];
    }
    jsonw_format_int64(numbers[5], contact->cancelled_count);
    argv[n++] = numbers[5];
    for (int i = 0; i < contact->cancelled_count; i++)
        argv[n++] = contact->cancelled_ids[i];
    jsonw_format_int64(numbers[6], contact->record_count);
    argv[n++] = numbers[6];
    for (int i = 0; i < contact->record_count; i++)
        argv[n++] = contact->records[i];
    argv[n++] = rows[0].mode;
    lengths[n] = rows[0].size;
    argv[n++] = rows[0].text ? rows[0].text : "";
    for (int i = 0; i < f->batch.entry_count; i++) {
        const batch_entry_t *e = &f->batch.entries[i];
        if (e->contact_index == index && e->is_valid && !e->is_duplicate)
            argv[n++] = e->entry_id;
    }
    assert(n == argc);
    for (int i = 0; i < n; i++)
        if (lengths[i] == 0)
            lengths[i] = strlen(argv[i]);
    reply_ctx_t *ctx = &f->contexts[f->batch.entry_count + index]; /* as the fetch left it */
    rc = rconn_command_argv(c->writer, commit_reply, ctx, n, argv, lengths);
    /* The rows are on their way: the next commit, if this one lands, writes only newer ones
     * (a later commit of the same account in this batch, none). If it does not land, the
     * flight fails and every state is read again. */
    contact_history_saved(&contact->contact);
    for (int i = 0; i < accounts; i++)
        account_touches_saved(&f->batch.accounts[contact->account_indexes[i]].account);
done:
    for (int i = 0; rows && i < 1 + accounts; i++)
        free(rows[i].text);
    free(rows);
    free(argv);
    free(lengths);
    free(keys);
    free(numbers);
    return rc;
}

static void on_rule_error(const batch_entry_t *entry, const nerr_t *error, void *ud) {
    consumer_t *c = ud;
    c->stats.rule_errors++;
    LOG_ABOUT(LOG_WARN, entry->event.contact, entry->event.id, "rule error: %s", error->msg);
}

/* Pipelines the flight's commits and dead letters in one round trip; it becomes the
 * committing flight, and the next batch may be read meanwhile. */
static void send_commits(consumer_t *c, flight_t *f) {
    assert(c->committing == NULL);
    c->committing = f;
    if (c->current == f)
        c->current = NULL;
    f->phase = FLIGHT_COMMITTING;
    f->phase_started_ns = uv_hrtime();
    f->outstanding = 1; /* held until every command is sent */
    for (int i = 0; i < f->batch.entry_count; i++) {
        batch_entry_t *e = &f->batch.entries[i];
        if (e->is_duplicate) {
            f->is_settled[i] = 1;
            c->stats.duplicates++;
        } else if (!e->is_valid) {
            if (send_dead_letter(c, f, i) == 0)
                f->outstanding++;
            else
                f->is_failed = 1;
        }
    }
    for (int i = 0; i < f->batch.contact_count; i++) {
        if (f->batch.contacts[i].decided_count == 0)
            continue;
        if (send_commit(c, f, i) == 0)
            f->outstanding++;
        else
            f->is_failed = 1;
    }
    if (--f->outstanding == 0)
        commit_phase_done(c, f);
    else if (!c->is_stopping)
        read_next(c);
}

/* Decides the flight; it commits at once, or once the committing flight is settled. */
static void decide_flight(consumer_t *c, flight_t *f) {
    nerr_t err;
    int rc = batch_decide(&f->batch, c->playbook, on_rule_error, c, &err);
    phase_done(f, &c->stats.decide_time);
    if (rc != 0) {
        LOG(LOG_ERROR, "deciding the batch failed: %s", err.msg);
        f->is_failed = 1;
        flight_settled(c, f);
        return;
    }
    f->phase = FLIGHT_DECIDED;
    if (c->committing == NULL)
        send_commits(c, f);
}

/* ---- fetch: states and seen-marks ------------------------------------------------------- */

/* Asks for the states of the account slots not asked for yet. */
static void fetch_accounts(consumer_t *c, flight_t *f) {
    batch_t *b = &f->batch;
    for (int i = f->accounts_asked; i < b->account_count; i++) {
        reply_ctx_t *ctx = &f->contexts[b->entry_count + b->contact_count + i];
        *ctx = (reply_ctx_t){.flight = f, .index = i, .is_account = 1};
        fetch_state(c, f, ctx, b->accounts[i].id);
    }
    f->accounts_asked = b->account_count;
}

/* Gives the events that name no account the accounts of their contacts restored from Redis;
 * returns 1 while the states of accounts new to the batch are still being fetched (one more
 * round trip, which only an event without an account of a contact fetched from Redis can
 * need), 0 when the batch may be decided. */
static int place_fetched_accounts(consumer_t *c, flight_t *f) {
    nerr_t err;
    if (batch_place_accounts(&f->batch, NULL, &err) != 0) {
        LOG(LOG_ERROR, "%s", err.msg);
        f->is_failed = 1;
        return 0;
    }
    if (f->accounts_asked == f->batch.account_count)
        return 0;
    f->outstanding = 1; /* held until every command is sent */
    fetch_accounts(c, f);
    return --f->outstanding > 0;
}

static void fetch_phase_done(consumer_t *c, flight_t *f) {
    if (!f->is_failed && place_fetched_accounts(c, f))
        return; /* called again once the accounts are in */
    phase_done(f, &c->stats.fetch_time);
    if (f->is_failed) {
        f->phase = FLIGHT_DECIDED; /* nothing written; everything stays pending */
        flight_settled(c, f);
        return;
    }
    decide_flight(c, f);
}

static int64_t parse_version(const redisReply *item) {
    if (item == NULL || item->type != REDIS_REPLY_STRING)
        return 0;
    return strtoll(item->str, NULL, 10);
}

/* Restores a contact or account from the EXEC reply of fetch_state: [[ver, state], rows].
 * Returns 0, or -1 when the reply is not of that shape or memory ran out. */
static int restore_stored(flight_t *f, const reply_ctx_t *ctx, const redisReply *reply) {
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
        return -1;
    const redisReply *fields = reply->element[0], *rows = reply->element[1];
    if (fields->type != REDIS_REPLY_ARRAY || fields->elements != 2)
        return -1;
    const redisReply *state = fields->element[1];
    const char *text = state->type == REDIS_REPLY_STRING ? state->str : NULL;
    size_t size = text ? state->len : 0;
    const char *rows_text = rows->type == REDIS_REPLY_STRING ? rows->str : NULL;
    size_t rows_size = rows_text ? rows->len : 0;
    int64_t version = parse_version(fields->element[0]);
    nerr_t err;
    int rc = ctx->is_account ? batch_restore_account(&f->batch, ctx->index, text, size, version,
                                                     rows_text, rows_size, &err)
                             : batch_restore(&f->batch, ctx->index, text, size, version,
                                             rows_text, rows_size, &err);
    if (rc != 0) {
        if (err.code == NERR_NOMEM)
            return -1;
        LOG(LOG_ERROR, "stored state of %s %s unreadable (%s): starting it afresh",
            ctx->is_account ? "account" : "contact",
            ctx->is_account ? f->batch.accounts[ctx->index].id : f->batch.contacts[ctx->index].id,
            err.msg);
    }
    return 0;
}

/* Adds the key of a state the fetch found stored (see note_stored). */
static void note_fetched(consumer_t *c, const flight_t *f, const reply_ctx_t *ctx) {
    const batch_t *b = &f->batch;
    char key[KEYS_KEY_MAX];
    if (ctx->is_account ? b->accounts[ctx->index].stored_version == 0
                        : b->contacts[ctx->index].stored_version == 0)
        return;
    if (ctx->is_account)
        keys_account(&c->keys, b->accounts[ctx->index].id, key, sizeof key);
    else
        keys_contact(&c->keys, b->contacts[ctx->index].id, key, sizeof key);
    note_stored(c, key);
}

static void stored_state_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    reply_ctx_t *ctx = privdata;
    flight_t *f = ctx->flight;
    if (restore_stored(f, ctx, r) != 0)
        f->is_failed = 1;
    else
        note_fetched(f->consumer, f, ctx);
    if (--f->outstanding == 0)
        fetch_phase_done(f->consumer, f);
}

/* Takes the state of contact or account 'id' as the committing flight decided it, when that
 * flight has it, with the version its commits will leave. Returns 1 when it did. */
static int take_handed_on(consumer_t *c, flight_t *f, const reply_ctx_t *ctx, const char *id) {
    flight_t *from = c->committing;
    if (from == NULL)
        return 0;
    batch_t *b = &from->batch;
    intptr_t found = (intptr_t)strmap_get(ctx->is_account ? &b->by_account : &b->by_contact, id);
    if (found == 0)
        return 0;
    /* Once its commits are answered, the committing flight has moved its states to the
     * cache (or dropped them): a zeroed state is no longer here. */
    if (ctx->is_account ? b->accounts[found - 1].account.id == NULL
                        : b->contacts[found - 1].contact.id == NULL)
        return 0;
    if (ctx->is_account) {
        batch_account_t *a = &b->accounts[found - 1];
        account_t moved;
        batch_surrender_account(b, (int)found - 1, &moved);
        moved.version = a->stored_version + a->commits_sent;
        batch_adopt_account(&f->batch, ctx->index, &moved);
    } else {
        batch_contact_t *bc = &b->contacts[found - 1];
        contact_t moved;
        batch_surrender_contact(b, (int)found - 1, &moved);
        moved.version = bc->stored_version + (bc->decided_count > 0);
        batch_adopt_contact(&f->batch, ctx->index, &moved);
    }
    return 1;
}

/* Asks for a stored state unless the other flight or the cache has it; returns 1 when the
 * state did not come from Redis. */
static int fetch_state(consumer_t *c, flight_t *f, reply_ctx_t *ctx, const char *id) {
    uint64_t *sources = ctx->is_account ? c->stats.account_states : c->stats.contact_states;
    if (take_handed_on(c, f, ctx, id)) {
        sources[STATE_FROM_PREVIOUS_BATCH]++;
        return 1;
    }
    void *cached = slotcache_take(ctx->is_account ? &c->account_cache : &c->contact_cache, id);
    if (cached != NULL) {
        sources[STATE_FROM_CACHE]++;
        /* What we committed last: unless another engine wrote since, the commit's version
         * check passes; if one did, it fails and the entries are read again. */
        if (ctx->is_account)
            batch_adopt_account(&f->batch, ctx->index, cached);
        else
            batch_adopt_contact(&f->batch, ctx->index, cached);
        free(cached);
        return 1;
    }
    char key[KEYS_KEY_MAX], rows_key[KEYS_KEY_MAX];
    if (ctx->is_account) {
        keys_account(&c->keys, id, key, sizeof key);
        keys_account_touches(&c->keys, id, rows_key, sizeof rows_key);
    } else {
        keys_contact(&c->keys, id, key, sizeof key);
        keys_history(&c->keys, id, rows_key, sizeof rows_key);
    }
    if (is_surely_new(c, key)) {
        /* The batch's fresh state stays, at version 0; seen-marks are checked by the commit,
         * as for a kept state. */
        sources[STATE_NEW]++;
        ctx->is_guessed_new = 1;
        return 1;
    }
    /* The state and its rows in one transaction, so that they come from the same commit. */
    const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
    const char *state[] = {"HMGET", key, "ver", "state"};
    const char *rows[] = {"GET", rows_key};
    if (rconn_command_argv(c->reader, NULL, NULL, 1, multi, NULL) == 0 &&
        rconn_command_argv(c->reader, NULL, NULL, 4, state, NULL) == 0 &&
        rconn_command_argv(c->reader, NULL, NULL, 2, rows, NULL) == 0 &&
        rconn_command_argv(c->reader, stored_state_reply, ctx, 1, exec, NULL) == 0) {
        f->outstanding++;
        sources[STATE_FROM_REDIS]++;
    } else
        f->is_failed = 1;
    return 0;
}

static void seen_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    reply_ctx_t *ctx = privdata;
    flight_t *f = ctx->flight;
    redisReply *reply = r;
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER)
        f->is_failed = 1;
    else if (reply->integer == 1)
        f->batch.entries[ctx->index].is_duplicate = 1;
    if (--f->outstanding == 0)
        fetch_phase_done(f->consumer, f);
}

/* Asks for the flight's states and seen-marks in one pipelined round trip on the reader. */
static void start_fetch(consumer_t *c, flight_t *f) {
    batch_t *b = &f->batch;
    /* Room for the accounts batch_place_accounts may add: one per event naming none. */
    int unnamed = 0;
    for (int i = 0; i < b->entry_count; i++)
        unnamed += b->entries[i].is_valid && b->entries[i].event.account == NULL;
    int slots = b->entry_count + b->contact_count + b->account_count + unnamed;
    f->contexts = calloc((size_t)(slots ? slots : 1), sizeof *f->contexts);
    f->is_settled = calloc((size_t)(b->entry_count ? b->entry_count : 1), sizeof(int));
    f->commit_status = calloc((size_t)(b->contact_count ? b->contact_count : 1), sizeof(int));
    f->is_cached = calloc((size_t)(b->contact_count ? b->contact_count : 1), sizeof(int));
    f->phase = FLIGHT_FETCHING;
    f->outstanding = 1; /* held until every command is sent */
    if (!f->contexts || !f->is_settled || !f->commit_status || !f->is_cached) {
        LOG(LOG_ERROR, "out of memory for a batch of %d entries", b->entry_count);
        f->is_failed = 1;
        fetch_phase_done(c, f);
        return;
    }
    char key[KEYS_KEY_MAX];
    for (int i = 0; i < b->contact_count; i++) {
        f->commit_status[i] = -1;
        reply_ctx_t *ctx = &f->contexts[b->entry_count + i];
        *ctx = (reply_ctx_t){.flight = f, .index = i};
        f->is_cached[i] = fetch_state(c, f, ctx, b->contacts[i].id);
    }
    nerr_t err;
    if (batch_place_accounts(b, f->is_cached, &err) != 0) {
        LOG(LOG_ERROR, "%s", err.msg);
        f->is_failed = 1;
    }
    fetch_accounts(c, f);
    for (int i = 0; i < b->entry_count; i++) {
        /* For a contact whose state did not come from Redis the commit checks the seen-marks
         * itself: a repeated event makes it refuse, and the entries come back through the
         * fetch path. */
        if (!b->entries[i].is_valid || f->is_cached[b->entries[i].contact_index])
            continue;
        keys_seen(&c->keys, b->entries[i].event.id, key, sizeof key);
        const char *argv[] = {"EXISTS", key};
        f->contexts[i] = (reply_ctx_t){.flight = f, .index = i};
        if (rconn_command_argv(c->reader, seen_reply, &f->contexts[i], 2, argv, NULL) == 0)
            f->outstanding++;
        else
            f->is_failed = 1;
    }
    if (--f->outstanding == 0)
        fetch_phase_done(c, f);
}

/* ---- read ------------------------------------------------------------------------------- */

/* Finds the value of field 'name' in an entry's [field, value, ...] array. */
static const redisReply *entry_field(const redisReply *fields, const char *name) {
    if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (fields->element[i]->type == REDIS_REPLY_STRING && strcmp(fields->element[i]->str, name) == 0)
            return fields->element[i + 1];
    return NULL;
}

/* Copies the entries of an XREADGROUP reply into the flight's batch; returns how many. */
static int take_entries(consumer_t *c, flight_t *f, const redisReply *reply) {
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        return 0;
    const redisReply *stream = reply->element[0];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2)
        return 0;
    const redisReply *entries = stream->element[1];
    if (entries->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *entry = entries->element[i];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
            entry->element[0]->type != REDIS_REPLY_STRING)
            continue;
        /* A pending entry trimmed from the stream comes back with nil fields: dead-letter it. */
        const redisReply *event = entry_field(entry->element[1], "event");
        int has_event = event && event->type == REDIS_REPLY_STRING;
        nerr_t err;
        c->stats.events++;
        if (batch_add(&f->batch, entry->element[0]->str, has_event ? event->str : NULL,
                      has_event ? event->len : 0, &err) != 0) {
            LOG(LOG_ERROR, "%s", err.msg);
            f->is_failed = 1;
        }
    }
    return (int)entries->elements;
}

static void read_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    consumer_t *c = privdata;
    redisReply *reply = r;
    int was_pending_read = c->is_reading_pending;
    c->is_reading = 0;
    if (reply == NULL) {
        c->read_pending_first = 1; /* entries may have been delivered to us and lost */
        maybe_finish_stop(c);
        return;                    /* the reader's up callback starts the next read */
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        LOG(LOG_WARN, "XREADGROUP failed: %s", reply->str);
        if (strncmp(reply->str, "NOGROUP", 7) == 0)
            c->is_ready = 0;
        retry_later(c);
        maybe_finish_stop(c);
        return;
    }
    flight_t *f = &c->flights[c->committing == &c->flights[0]];
    assert(f->phase == FLIGHT_FREE);
    int count = reply->type == REDIS_REPLY_ARRAY ? take_entries(c, f, reply) : 0;
    if (was_pending_read && count < c->options.batch_size && c->stats.claimed == c->claimed_at_read)
        c->read_pending_first = 0; /* the pending list is drained after this batch */
    if (was_pending_read)
        reject_worn_out(c, f);
    /* A flight failed while this read of new entries was in flight: older entries wait in
     * the pending list, so these must not be decided before them. They are pending now and
     * come back in order with the pending read. */
    int is_out_of_turn = !was_pending_read && c->read_pending_first;
    if (f->batch.entry_count == 0 || is_out_of_turn) {
        flight_clear(f);
        if (c->is_stopping)
            maybe_finish_stop(c);
        else
            read_next(c);
        return;
    }
    c->current = f;
    f->started_ns = f->phase_started_ns = uv_hrtime();
    start_fetch(c, f);
}

/* Notes the delivery counts of our oldest pending entries (the ones the pending read that
 * follows on the same connection will return). */
static void deliveries_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    consumer_t *c = privdata;
    redisReply *reply = r;
    strmap_close(&c->deliveries, NULL);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *row = reply->element[i];
        if (row->type != REDIS_REPLY_ARRAY || row->elements != 4 ||
            row->element[0]->type != REDIS_REPLY_STRING ||
            row->element[3]->type != REDIS_REPLY_INTEGER)
            continue;
        long long count = row->element[3]->integer;
        if (count > 0 && strmap_put(&c->deliveries, row->element[0]->str, (void *)(intptr_t)count))
            break; /* out of memory: those entries just get another delivery */
    }
}

/* Dead-letters the entries delivered max_deliveries times already without being settled: a
 * poison event must not stall the stream or crash the engine forever. */
static void reject_worn_out(consumer_t *c, flight_t *f) {
    for (int i = 0; i < f->batch.entry_count; i++) {
        const char *id = f->batch.entries[i].entry_id;
        intptr_t count = (intptr_t)strmap_get(&c->deliveries, id);
        if (count - (intptr_t)strmap_get(&c->excused, id) >= c->options.max_deliveries) {
            char reason[128];
            snprintf(reason, sizeof reason, "gave up after %ld deliveries without being settled",
                     (long)count);
            batch_reject(&f->batch, i, reason);
        }
    }
    strmap_close(&c->deliveries, NULL);
}

/* Reads the next batch when there is room for it: no read or undecided flight in hand, and
 * for a read of our own pending entries, no flight committing either (its entries are
 * pending until acked, and must not be read twice). */
static void read_next(consumer_t *c) {
    if (c->is_reading || c->current || (c->committing && c->read_pending_first) ||
        c->is_stopping || !c->is_ready || !rconn_is_up(c->reader) || !rconn_is_up(c->writer))
        return;
    char count[16], block[16];
    snprintf(count, sizeof count, "%d", c->options.batch_size);
    snprintf(block, sizeof block, "%d", c->read_pending_first ? 0 : c->options.block_ms);
    const char *from = c->read_pending_first ? "0" : ">";
    const char *argv[] = {"XREADGROUP", "GROUP",  c->keys.group, c->name, "COUNT", count,
                          "BLOCK",      block,    "STREAMS",     c->keys.events, from};
    /* Reading pending entries never blocks, so leave BLOCK out for them. */
    int argc = 11;
    if (c->read_pending_first) {
        argv[6] = "STREAMS";
        argv[7] = c->keys.events;
        argv[8] = from;
        argc = 9;
        const char *pending[] = {"XPENDING", c->keys.events, c->keys.group, "-", "+", count,
                                 c->name};
        if (rconn_command_argv(c->reader, deliveries_reply, c, 7, pending, NULL) != 0)
            return;
    }
    if (rconn_command_argv(c->reader, read_reply, c, argc, argv, NULL) == 0) {
        c->is_reading = 1;
        c->is_reading_pending = c->read_pending_first;
        c->claimed_at_read = c->stats.claimed;
    }
}
