/* bench-redis-ref: what Redis itself allows for the engine's command mix, with no rule work.
 *
 * It consumes a stream the way `nurture run` does, on the same key layout and with the same
 * function library (FUNCTION LOAD REPLACE of engine/shell/redis_functions.lua), one batch at
 * a time in three round trips:
 *   1. XREADGROUP COUNT B;
 *   2. pipelined per contact and per account of the batch MULTI, HMGET ver state, GET of its
 *      rows, EXEC; and EXISTS seen-mark per event;
 *   3. pipelined per contact: FCALL nurture_commit with a contact state of --state-bytes,
 *      which moves the account's version only (the engine sends an account state only when
 *      it changes, which few touchpoints do; the reference never does, so it errs on the
 *      fast side), with actions of --action-bytes and
 *      held-back records of --held-bytes at --action-rate and --held-rate per million
 *      events (the engine's measured mix), and per event a history row of --row-bytes and an
 *      account row of --account-row-bytes, appended to their texts (the engine rewrites a
 *      text now and then; the reference never does); the function acks each contact's
 *      entries.
 * Instead of deciding, it finds each event's id, contact and account with a plain string
 * scan; the account is the event's "account", as the synthetic workload always names one.
 *
 * With --block MS it is the latency reference instead: it waits for events as `nurture run`
 * does (XREADGROUP BLOCK) and ends at the first wait that brings none once some came, so the
 * benchmark's paced producer can measure XADD -> commit with no rule work in between. With
 * --marks-only 1 as well it only sets each event's seen-mark and acks it (one pipelined
 * round trip per batch): the least a consumer can do, so the latency it shows is that of the
 * producer, Redis, the listener and the machine's scheduling alone.
 * Prints key=value lines for scripts/bench.sh. Depends on hiredis. */
#include <hiredis/hiredis.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 1024 /* the batch's contact table; > 2 x the largest batch */
#define SEEN_TTL "2592000"

typedef struct {
    const char *stream, *group, *prefix, *functions;
    int port, batch;
    int block_ms;        /* > 0: wait for new events, and end at a wait that brings none */
    int marks_only;      /* set the seen-marks and ack; no states, no commit function */
    long total;
    long first_sequence; /* the first event's position in the action mix (after a backlog) */
    long action_rate, held_rate; /* actions and held-back records per 1,000,000 events */
    size_t state_bytes, action_bytes, held_bytes, row_bytes, account_row_bytes;
} args_t;

/* A contact or an account of the batch. */
typedef struct {
    char id[256];
    long long version;
    int events;       /* this batch's events of the contact */
    int account;      /* a contact's account index, or -1 */
    int commits_sent; /* an account's commits in this batch so far */
} holder_t;

typedef struct {
    holder_t items[SLOTS];
    int slot_of[SLOTS]; /* hash slot -> index + 1 */
    int count;
} table_t;

typedef struct {
    char entry_id[48];
    char event_id[256];
    int contact;
    long sequence; /* the event's position in the whole run, for the action mix */
} entry_t;

typedef struct {
    table_t contacts, accounts;
    entry_t *entries;
    int entry_count;
} batch_t;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(redisContext *c, const char *what, const redisReply *reply) {
    fprintf(stderr, "bench-redis-ref: %s: %s\n", what, reply ? reply->str : c->errstr);
    exit(1);
}

static redisReply *get_reply(redisContext *c, const char *what) {
    redisReply *reply;
    if (redisGetReply(c, (void **)&reply) != REDIS_OK)
        die(c, what, NULL);
    if (reply->type == REDIS_REPLY_ERROR)
        die(c, what, reply);
    return reply;
}

/* Copies the JSON string value of "key":"..." in 'json' into 'out'; 0 when found. */
static int json_string(const char *json, const char *key, char *out, size_t size) {
    const char *p = strstr(json, key);
    if (p == NULL)
        return -1;
    p += strlen(key);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n + 1 < size)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

static uint32_t fnv1a(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* Whether event 'sequence' gets one of something that comes 'rate' times per million events
 * (at most once per event): spread evenly, they add up to the rate over a million events. */
static int per_event(long rate, long sequence) {
    long long before = (long long)sequence * rate / 1000000;
    long long after = (long long)(sequence + 1) * rate / 1000000;
    return after > before;
}

static int table_index(table_t *t, const char *id) {
    for (uint32_t h = fnv1a(id) % SLOTS;; h = (h + 1) % SLOTS) {
        int found = t->slot_of[h];
        if (found == 0) {
            holder_t *item = &t->items[t->count];
            *item = (holder_t){.account = -1};
            snprintf(item->id, sizeof item->id, "%s", id);
            t->slot_of[h] = ++t->count;
            return t->count - 1;
        }
        if (strcmp(t->items[found - 1].id, id) == 0)
            return found - 1;
    }
}

/* Step 1: one XREADGROUP; returns the number of entries taken. */
static int read_batch(redisContext *c, const args_t *a, batch_t *b, long *sequence) {
    redisReply *reply =
        a->block_ms > 0
            ? redisCommand(c, "XREADGROUP GROUP %s ref COUNT %d BLOCK %d STREAMS %s >", a->group,
                           a->batch, a->block_ms, a->stream)
            : redisCommand(c, "XREADGROUP GROUP %s ref COUNT %d STREAMS %s >", a->group,
                           a->batch, a->stream);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
        die(c, "XREADGROUP", reply);
    memset(&b->contacts, 0, sizeof b->contacts);
    memset(&b->accounts, 0, sizeof b->accounts);
    b->entry_count = 0;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
        freeReplyObject(reply);
        return 0;
    }
    const redisReply *entries = reply->element[0]->element[1];
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *entry = entries->element[i];
        const redisReply *fields = entry->element[1];
        entry_t *e = &b->entries[b->entry_count];
        char contact[256], account[256];
        const char *json = fields->elements >= 2 ? fields->element[1]->str : NULL;
        if (json == NULL || json_string(json, "\"id\":\"", e->event_id, sizeof e->event_id) ||
            json_string(json, "\"contact\":\"", contact, sizeof contact))
            continue;
        snprintf(e->entry_id, sizeof e->entry_id, "%s", entry->element[0]->str);
        e->contact = table_index(&b->contacts, contact);
        e->sequence = (*sequence)++;
        holder_t *holder = &b->contacts.items[e->contact];
        holder->events++;
        if (json_string(json, "\"account\":\"", account, sizeof account) == 0)
            holder->account = table_index(&b->accounts, account);
        b->entry_count++;
    }
    freeReplyObject(reply);
    return b->entry_count;
}

/* The state and rows of every holder of 't' under key kinds 'kind' and 'rows_kind', in one
 * transaction each, as the engine reads them. */
static void ask_versions(redisContext *c, const args_t *a, const table_t *t, const char *kind,
                         const char *rows_kind) {
    for (int i = 0; i < t->count; i++) {
        redisAppendCommand(c, "MULTI");
        redisAppendCommand(c, "HMGET %s:{0}:%s:%s ver state", a->prefix, kind, t->items[i].id);
        redisAppendCommand(c, "GET %s:{0}:%s:%s", a->prefix, rows_kind, t->items[i].id);
        redisAppendCommand(c, "EXEC");
    }
}

static void take_versions(redisContext *c, table_t *t) {
    for (int i = 0; i < t->count; i++) {
        for (int k = 0; k < 3; k++)
            freeReplyObject(get_reply(c, "MULTI"));
        redisReply *reply = get_reply(c, "EXEC");
        const redisReply *ver = reply->element[0]->element[0];
        t->items[i].version = ver->type == REDIS_REPLY_STRING ? atoll(ver->str) : 0;
        freeReplyObject(reply);
    }
}

/* Step 2: states and seen-marks in one pipelined round trip. */
static void fetch(redisContext *c, const args_t *a, batch_t *b) {
    ask_versions(c, a, &b->contacts, "contact", "history");
    ask_versions(c, a, &b->accounts, "account", "account_touches");
    for (int i = 0; i < b->entry_count; i++)
        redisAppendCommand(c, "EXISTS %s:{0}:seen:%s", a->prefix, b->entries[i].event_id);
    take_versions(c, &b->contacts);
    take_versions(c, &b->accounts);
    for (int i = 0; i < b->entry_count; i++)
        freeReplyObject(get_reply(c, "EXISTS"));
}

/* Writes 'count' copies of 'row' into 'out', each after a comma (all but the first rows of
 * a stored text come so). */
static void join_rows(char *out, size_t size, const char *row, int count) {
    size_t row_size = strlen(row), used = 0;
    for (int i = 0; i < count && used + row_size + 2 < size; i++) {
        out[used++] = ',';
        memcpy(out + used, row, row_size);
        used += row_size;
    }
    out[used] = '\0';
}

/* Step 3: per contact one FCALL nurture_commit, all pipelined; returns how many committed. */
static int commit(redisContext *c, const args_t *a, batch_t *b, const char *state,
                  const char *action_json, const char *held_json,
                  const char *row, const char *account_row) {
    enum { MAX_ARGS = 3 + 8 + 512 + 8 + 3 * 512 + 2 + 512 + 4 + 512 };
    static const char *argv[MAX_ARGS];
    static size_t lengths[MAX_ARGS];
    static char keys[4 + 512][320], numbers[4 + 2 * 512][48];
    char due[128], scheduled[128], held[128];
    snprintf(due, sizeof due, "%s:{0}:due", a->prefix);
    snprintf(scheduled, sizeof scheduled, "%s:{0}:scheduled", a->prefix);
    snprintf(held, sizeof held, "%s:{0}:held", a->prefix);
    for (int ci = 0; ci < b->contacts.count; ci++) {
        const holder_t *contact = &b->contacts.items[ci];
        holder_t *account = contact->account >= 0 ? &b->accounts.items[contact->account] : NULL;
        int n = 0, k = 0, actions = 0, records = 0;
        snprintf(keys[0], sizeof keys[0], "%s:{0}:contact:%s", a->prefix, contact->id);
        snprintf(keys[1], sizeof keys[1], "%s:{0}:history:%s", a->prefix, contact->id);
        if (account) {
            snprintf(keys[2], sizeof keys[2], "%s:{0}:account:%s", a->prefix, account->id);
            snprintf(keys[3], sizeof keys[3], "%s:{0}:account_touches:%s", a->prefix,
                     account->id);
        }
        long long account_expects = account ? account->version + account->commits_sent++ : 0;
        argv[n++] = "FCALL";
        argv[n++] = "nurture_commit";
        argv[n++] = numbers[0];
        argv[n++] = keys[0];
        argv[n++] = due;
        argv[n++] = scheduled;
        argv[n++] = held;
        argv[n++] = a->stream;
        argv[n++] = keys[1];
        if (account) {
            argv[n++] = keys[2];
            argv[n++] = keys[3];
        }
        k = 4;
        for (int i = 0; i < b->entry_count; i++) {
            const entry_t *e = &b->entries[i];
            if (e->contact != ci)
                continue;
            snprintf(keys[k], sizeof keys[k], "%s:{0}:seen:%s", a->prefix, e->event_id);
            argv[n++] = keys[k++];
            actions += per_event(a->action_rate, e->sequence);
            records += per_event(a->held_rate, e->sequence);
        }
        int events = k - 4;
        /* The rows of the contact's events, appended to the contact's and the account's. */
        static char rows_text[512 * 1024], account_rows_text[512 * 1024];
        join_rows(rows_text, sizeof rows_text, row, events);
        join_rows(account_rows_text, sizeof account_rows_text, account_row, events);
        snprintf(numbers[0], sizeof numbers[0], "%d", 6 + (account ? 2 : 0) + events);
        snprintf(numbers[1], sizeof numbers[1], "%lld", contact->version);
        snprintf(numbers[2], sizeof numbers[2], "%lld", account_expects);
        argv[n++] = numbers[1];
        argv[n++] = SEEN_TTL;
        argv[n++] = a->group;
        argv[n++] = state;
        argv[n++] = ""; /* no suppression */
        argv[n++] = account ? "1" : "0";
        if (account) {
            argv[n++] = numbers[2];
            argv[n++] = ""; /* the account state stays as stored */
            argv[n++] = "a";
            argv[n++] = account_rows_text;
        }
        snprintf(numbers[3], sizeof numbers[3], "%d", actions);
        argv[n++] = numbers[3];
        int made = 0;
        for (int i = 0; i < b->entry_count && made < actions; i++) {
            const entry_t *e = &b->entries[i];
            if (e->contact != ci || per_event(a->action_rate, e->sequence) == 0)
                continue;
            snprintf(numbers[4 + 2 * made], sizeof numbers[0], "a-%ld", e->sequence);
            snprintf(numbers[5 + 2 * made], sizeof numbers[0], "%ld", 1767225600000L + e->sequence);
            argv[n++] = numbers[4 + 2 * made];
            argv[n++] = numbers[5 + 2 * made];
            argv[n++] = action_json;
            made++;
        }
        argv[n++] = "0"; /* no cancelled actions */
        static char record_count[16];
        snprintf(record_count, sizeof record_count, "%d", records);
        argv[n++] = record_count;
        for (int i = 0; i < records; i++)
            argv[n++] = held_json;
        argv[n++] = "a";
        argv[n++] = rows_text;
        for (int i = 0; i < b->entry_count; i++)
            if (b->entries[i].contact == ci)
                argv[n++] = b->entries[i].entry_id;
        for (int i = 0; i < n; i++)
            lengths[i] = strlen(argv[i]);
        redisAppendCommandArgv(c, n, argv, lengths);
    }
    int committed = 0;
    for (int i = 0; i < b->contacts.count; i++) {
        redisReply *reply = get_reply(c, "FCALL nurture_commit");
        committed += reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
        freeReplyObject(reply);
    }
    return committed;
}

/* --marks-only: per event its seen-mark (as the commit function sets it) and its ack, all
 * pipelined; returns the events marked. */
static int mark_and_ack(redisContext *c, const args_t *a, const batch_t *b) {
    for (int i = 0; i < b->entry_count; i++) {
        redisAppendCommand(c, "SET %s:{0}:seen:%s 1 EX %s NX", a->prefix, b->entries[i].event_id,
                           SEEN_TTL);
        redisAppendCommand(c, "XACK %s %s %s", a->stream, a->group, b->entries[i].entry_id);
    }
    int marked = 0;
    for (int i = 0; i < b->entry_count; i++) {
        redisReply *reply = get_reply(c, "SET");
        marked += reply->type == REDIS_REPLY_STATUS;
        freeReplyObject(reply);
        freeReplyObject(get_reply(c, "XACK"));
    }
    return marked;
}

static void load_functions(redisContext *c, const char *path) {
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        perror(path);
        exit(1);
    }
    static char text[1 << 16];
    size_t size = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    redisReply *reply = redisCommand(c, "FUNCTION LOAD REPLACE %b", text, size);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
        die(c, "FUNCTION LOAD", reply);
    freeReplyObject(reply);
}

static char *filled(size_t size, char fill) {
    char *text = malloc(size + 1);
    memset(text, fill, size);
    text[size] = '\0';
    return text;
}

static const char USAGE[] =
    "usage: bench-redis-ref --port P --functions FILE (--total N | --block MS) [--stream S]\n"
    "                       [--group G] [--first-sequence N] [--marks-only 1]\n"
    "                       [--prefix P] [--batch B] [--state-bytes N] [--action-rate R]\n"
    "                       [--action-bytes N] [--held-rate R]\n"
    "                       [--held-bytes N] [--row-bytes N] [--account-row-bytes N]\n";

static int parse_args(int argc, char **argv, args_t *a) {
    *a = (args_t){.stream = "nurture:events", .group = "reference", .prefix = "ref",
                  .batch = 256, .state_bytes = 4096,
                  .action_bytes = 1500, .held_bytes = 300, .row_bytes = 80,
                  .account_row_bytes = 90};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--port") == 0) a->port = atoi(v);
        else if (strcmp(k, "--functions") == 0) a->functions = v;
        else if (strcmp(k, "--total") == 0) a->total = atol(v);
        else if (strcmp(k, "--block") == 0) a->block_ms = atoi(v);
        else if (strcmp(k, "--first-sequence") == 0) a->first_sequence = atol(v);
        else if (strcmp(k, "--marks-only") == 0) a->marks_only = atoi(v);
        else if (strcmp(k, "--stream") == 0) a->stream = v;
        else if (strcmp(k, "--group") == 0) a->group = v;
        else if (strcmp(k, "--prefix") == 0) a->prefix = v;
        else if (strcmp(k, "--batch") == 0) a->batch = atoi(v);
        else if (strcmp(k, "--state-bytes") == 0) a->state_bytes = (size_t)atol(v);
        else if (strcmp(k, "--action-rate") == 0) a->action_rate = atol(v);
        else if (strcmp(k, "--action-bytes") == 0) a->action_bytes = (size_t)atol(v);
        else if (strcmp(k, "--held-rate") == 0) a->held_rate = atol(v);
        else if (strcmp(k, "--held-bytes") == 0) a->held_bytes = (size_t)atol(v);
        else if (strcmp(k, "--row-bytes") == 0) a->row_bytes = (size_t)atol(v);
        else if (strcmp(k, "--account-row-bytes") == 0) a->account_row_bytes = (size_t)atol(v);
        else return -1;
    }
    int one_end = (a->total > 0) != (a->block_ms > 0);
    return argc % 2 == 1 && a->port > 0 && a->functions && one_end && a->batch > 0 &&
                   a->batch <= 512 && a->first_sequence >= 0 &&
                   (!a->marks_only || a->block_ms > 0) ? 0 : -1;
}

int main(int argc, char **argv) {
    args_t a;
    if (parse_args(argc, argv, &a) != 0) {
        fputs(USAGE, stderr);
        return 2;
    }
    redisContext *c = redisConnect("127.0.0.1", a.port);
    if (c == NULL || c->err)
        die(c, "connect", NULL);
    load_functions(c, a.functions);
    /* A live consumer's new group starts at the events to come. */
    redisReply *reply = redisCommand(c, "XGROUP CREATE %s %s %s MKSTREAM", a.stream, a.group,
                                     a.block_ms > 0 ? "$" : "0");
    if (reply == NULL || (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "BUSYGROUP", 9)))
        die(c, "XGROUP CREATE", reply);
    freeReplyObject(reply);

    char *state = filled(a.state_bytes, 's');
    char *action_json = filled(a.action_bytes, 'a');
    char *held_json = filled(a.held_bytes, 'h');
    char *row = filled(a.row_bytes, 'r');
    char *account_row = filled(a.account_row_bytes, 'w');
    batch_t *b = calloc(1, sizeof *b);
    b->entries = calloc((size_t)a.batch, sizeof *b->entries);
    long done = 0, sequence = a.first_sequence, committed = 0, batches = 0;
    int64_t first = 0, last = 0;
    while (a.block_ms > 0 || done < a.total) {
        int count = read_batch(c, &a, b, &sequence);
        if (count == 0 && (a.block_ms == 0 || done > 0))
            break;
        if (count == 0)
            continue;
        if (first == 0)
            first = now_ns();
        if (a.marks_only) {
            committed += mark_and_ack(c, &a, b);
        } else {
            fetch(c, &a, b);
            committed += commit(c, &a, b, state, action_json, held_json, row, account_row);
        }
        done += count;
        batches++;
        last = now_ns();
    }
    double seconds = (double)(last - first) / 1e9;
    printf("ref_events=%ld\nref_batches=%ld\nref_commits=%ld\nref_seconds=%.3f\nref_per_s=%.0f\n",
           done, batches, committed, seconds, seconds > 0 ? (double)done / seconds : 0.0);
    free(state);
    free(action_json);
    free(held_json);
    free(row);
    free(account_row);
    free(b->entries);
    free(b);
    redisFree(c);
    return a.block_ms > 0 ? done == 0 : done != a.total;
}
