/* bench-redis-ref: what Redis itself allows for the engine's command mix, with no rule work.
 *
 * It consumes a stream the way `nurture run` does, on the same key layout and with the same
 * function library (FUNCTION LOAD REPLACE of engine/shell/redis_functions.lua), one batch in
 * flight and four round trips per batch:
 *   1. XREADGROUP COUNT B;
 *   2. pipelined HMGET ver state per contact of the batch + EXISTS seen-mark per event;
 *   3. pipelined FCALL nurture_commit per contact, with a state blob of --state-bytes and
 *      one action of --action-bytes every --action-every events (the engine's measured mix);
 *   4. XACK of the batch.
 * Instead of deciding, it finds each event's id and contact with a plain string scan.
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
    long total, action_every;
    size_t state_bytes, action_bytes;
} args_t;

typedef struct {
    char id[256];
    char version[24];
    int events; /* this batch's events of the contact */
} contact_t;

typedef struct {
    char entry_id[48];
    char event_id[256];
    int contact;
    long sequence; /* the event's position in the whole run, for the action mix */
} entry_t;

typedef struct {
    contact_t contacts[SLOTS];
    int slot_of[SLOTS]; /* hash slot -> contact index + 1 */
    int contact_count;
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

static int contact_index(batch_t *b, const char *id) {
    for (uint32_t h = fnv1a(id) % SLOTS;; h = (h + 1) % SLOTS) {
        int found = b->slot_of[h];
        if (found == 0) {
            contact_t *c = &b->contacts[b->contact_count];
            snprintf(c->id, sizeof c->id, "%s", id);
            snprintf(c->version, sizeof c->version, "0");
            c->events = 0;
            b->slot_of[h] = ++b->contact_count;
            return b->contact_count - 1;
        }
        if (strcmp(b->contacts[found - 1].id, id) == 0)
            return found - 1;
    }
}

/* Step 1: one XREADGROUP; returns the number of entries taken. */
static int read_batch(redisContext *c, const args_t *a, batch_t *b, long *sequence) {
    redisReply *reply = redisCommand(c, "XREADGROUP GROUP %s ref COUNT %d STREAMS %s >", a->group,
                                     a->batch, a->stream);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
        die(c, "XREADGROUP", reply);
    memset(b->slot_of, 0, sizeof b->slot_of);
    b->contact_count = b->entry_count = 0;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
        freeReplyObject(reply);
        return 0;
    }
    const redisReply *entries = reply->element[0]->element[1];
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *entry = entries->element[i];
        const redisReply *fields = entry->element[1];
        entry_t *e = &b->entries[b->entry_count];
        char contact[256];
        if (fields->elements < 2 || json_string(fields->element[1]->str, "\"id\":\"", e->event_id, sizeof e->event_id) ||
            json_string(fields->element[1]->str, "\"contact\":\"", contact, sizeof contact))
            continue;
        snprintf(e->entry_id, sizeof e->entry_id, "%s", entry->element[0]->str);
        e->contact = contact_index(b, contact);
        e->sequence = (*sequence)++;
        b->contacts[e->contact].events++;
        b->entry_count++;
    }
    freeReplyObject(reply);
    return b->entry_count;
}

/* Step 2: states and seen-marks in one pipelined round trip. */
static void fetch(redisContext *c, const args_t *a, batch_t *b) {
    for (int i = 0; i < b->contact_count; i++)
        redisAppendCommand(c, "HMGET %s:{0}:contact:%s ver state", a->prefix, b->contacts[i].id);
    for (int i = 0; i < b->entry_count; i++)
        redisAppendCommand(c, "EXISTS %s:{0}:seen:%s", a->prefix, b->entries[i].event_id);
    for (int i = 0; i < b->contact_count; i++) {
        redisReply *reply = get_reply(c, "HMGET");
        const redisReply *ver = reply->element[0];
        if (ver->type == REDIS_REPLY_STRING)
            snprintf(b->contacts[i].version, sizeof b->contacts[i].version, "%s", ver->str);
        freeReplyObject(reply);
    }
    for (int i = 0; i < b->entry_count; i++)
        freeReplyObject(get_reply(c, "EXISTS"));
}

/* Step 3: one FCALL nurture_commit per contact, pipelined; returns how many committed. */
static int commit(redisContext *c, const args_t *a, batch_t *b, const char *state,
                  const char *action_json) {
    enum { MAX_ARGS = 3 + 5 + 512 + 7 + 3 * 512 + 2 };
    static const char *argv[MAX_ARGS];
    static size_t lengths[MAX_ARGS];
    static char keys[1 + 512][300], numbers[4 + 512][48];
    for (int ci = 0; ci < b->contact_count; ci++) {
        const contact_t *contact = &b->contacts[ci];
        int n = 0, k = 0, actions = 0;
        argv[n++] = "FCALL";
        argv[n++] = "nurture_commit";
        snprintf(numbers[0], sizeof numbers[0], "%d", 5 + contact->events);
        argv[n++] = numbers[0];
        snprintf(keys[k], sizeof keys[k], "%s:{0}:contact:%s", a->prefix, contact->id);
        argv[n++] = keys[k++];
        static char due[128], scheduled[128], held[128];
        snprintf(due, sizeof due, "%s:{0}:due", a->prefix);
        snprintf(scheduled, sizeof scheduled, "%s:{0}:scheduled", a->prefix);
        snprintf(held, sizeof held, "%s:{0}:held", a->prefix);
        argv[n++] = due;
        argv[n++] = scheduled;
        argv[n++] = held;
        argv[n++] = keys[0]; /* no account: the contact's key stands in */
        for (int i = 0; i < b->entry_count; i++) {
            if (b->entries[i].contact != ci)
                continue;
            snprintf(keys[k], sizeof keys[k], "%s:{0}:seen:%s", a->prefix, b->entries[i].event_id);
            argv[n++] = keys[k++];
            if (a->action_every > 0 && b->entries[i].sequence % a->action_every == 0)
                actions++;
        }
        argv[n++] = contact->version;
        argv[n++] = state;
        argv[n++] = SEEN_TTL;
        argv[n++] = ""; /* no suppression in force */
        argv[n++] = ""; /* no account */
        argv[n++] = "";
        snprintf(numbers[1], sizeof numbers[1], "%d", actions);
        argv[n++] = numbers[1];
        int made = 0;
        for (int i = 0; i < b->entry_count && made < actions; i++) {
            if (b->entries[i].contact != ci || b->entries[i].sequence % a->action_every != 0)
                continue;
            snprintf(numbers[2 + 2 * made], sizeof numbers[0], "a-%ld", b->entries[i].sequence);
            snprintf(numbers[3 + 2 * made], sizeof numbers[0], "%ld",
                     1767225600000L + b->entries[i].sequence);
            argv[n++] = numbers[2 + 2 * made];
            argv[n++] = numbers[3 + 2 * made];
            argv[n++] = action_json;
            made++;
        }
        argv[n++] = "0"; /* no cancelled actions */
        argv[n++] = "0"; /* no held-back records */
        for (int i = 0; i < n; i++)
            lengths[i] = strlen(argv[i]);
        redisAppendCommandArgv(c, n, argv, lengths);
    }
    int committed = 0;
    for (int i = 0; i < b->contact_count; i++) {
        redisReply *reply = get_reply(c, "FCALL nurture_commit");
        committed += reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
        freeReplyObject(reply);
    }
    return committed;
}

/* Step 4: one XACK for the batch. */
static void ack(redisContext *c, const args_t *a, batch_t *b) {
    static const char *argv[3 + 512];
    int n = 0;
    argv[n++] = "XACK";
    argv[n++] = a->stream;
    argv[n++] = a->group;
    for (int i = 0; i < b->entry_count; i++)
        argv[n++] = b->entries[i].entry_id;
    redisReply *reply = redisCommandArgv(c, n, argv, NULL);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
        die(c, "XACK", reply);
    freeReplyObject(reply);
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
    "usage: bench-redis-ref --port P --functions FILE --total N [--stream S] [--group G]\n"
    "                       [--prefix P] [--batch B] [--state-bytes N] [--action-every K]\n"
    "                       [--action-bytes N]\n";

static int parse_args(int argc, char **argv, args_t *a) {
    *a = (args_t){.stream = "nurture:events", .group = "reference", .prefix = "ref",
                  .batch = 256, .state_bytes = 4096, .action_bytes = 1500};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--port") == 0) a->port = atoi(v);
        else if (strcmp(k, "--functions") == 0) a->functions = v;
        else if (strcmp(k, "--total") == 0) a->total = atol(v);
        else if (strcmp(k, "--stream") == 0) a->stream = v;
        else if (strcmp(k, "--group") == 0) a->group = v;
        else if (strcmp(k, "--prefix") == 0) a->prefix = v;
        else if (strcmp(k, "--batch") == 0) a->batch = atoi(v);
        else if (strcmp(k, "--state-bytes") == 0) a->state_bytes = (size_t)atol(v);
        else if (strcmp(k, "--action-every") == 0) a->action_every = atol(v);
        else if (strcmp(k, "--action-bytes") == 0) a->action_bytes = (size_t)atol(v);
        else return -1;
    }
    return argc % 2 == 1 && a->port > 0 && a->functions && a->total > 0 && a->batch > 0 &&
                   a->batch <= 512 ? 0 : -1;
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
    redisReply *reply = redisCommand(c, "XGROUP CREATE %s %s 0", a.stream, a.group);
    if (reply == NULL || (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "BUSYGROUP", 9)))
        die(c, "XGROUP CREATE", reply);
    freeReplyObject(reply);

    char *state = filled(a.state_bytes, 's');
    char *action_json = filled(a.action_bytes, 'a');
    batch_t *b = calloc(1, sizeof *b);
    b->entries = calloc((size_t)a.batch, sizeof *b->entries);
    long done = 0, sequence = 0, committed = 0, batches = 0;
    int64_t first = 0;
    while (done < a.total) {
        int count = read_batch(c, &a, b, &sequence);
        if (count == 0)
            break;
        if (first == 0)
            first = now_ns();
        fetch(c, &a, b);
        committed += commit(c, &a, b, state, action_json);
        ack(c, &a, b);
        done += count;
        batches++;
    }
    double seconds = (double)(now_ns() - first) / 1e9;
    printf("ref_events=%ld\nref_batches=%ld\nref_commits=%ld\nref_seconds=%.3f\nref_per_s=%.0f\n",
           done, batches, committed, seconds, (double)done / seconds);
    free(state);
    free(action_json);
    free(b->entries);
    free(b);
    redisFree(c);
    return done == a.total ? 0 : 1;
}
