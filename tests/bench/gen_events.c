/* bench-gen: a deterministic synthetic B2B touchpoint workload for the benchmarks.
 *
 * Contacts belong to accounts (one to eight contacts each); how active a contact is follows a
 * power law (a few contacts produce most touchpoints, most produce a handful), capped so one
 * contact never dominates. Each journey starts with an `identify` and walks through the
 * phases of the reference playbook (reading, researching, deciding, customer), with the props
 * the rules in rules/ react to. All timestamps lie in the past; the output is sorted by time.
 * The first --events lines go to the backlog file, the next --live lines to the live file
 * (the paced producer's input). Same seed, same bytes. Depends on libc only. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOUCHES_PER_CONTACT 31.0
#define MAX_TOUCHES_PER_CONTACT 1000
#define T0_MS 1748736000000LL /* 2025-06-01T00:00:00Z */
#define SPAN_MS (480LL * 86400 * 1000)
#define DUPLICATE_PER_MILLE 3 /* a touchpoint reported twice by two source systems */

/* ---- a small deterministic generator (splitmix64) --------------------------------------- */

static uint64_t next_u64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return (double)(next_u64(s) >> 11) / 9007199254740992.0; }

static int below(uint64_t *s, int n) { return (int)(uniform(s) * n); }

static double exponential(uint64_t *s, double mean) { return -mean * log(1.0 - uniform(s)); }

#define PICK(s, array) (array)[below((s), (int)(sizeof(array) / sizeof((array)[0])))]

/* ---- the touchpoint vocabulary ---------------------------------------------------------- */

typedef enum {
    T_IDENTIFY, T_PAGE_VIEW, T_EMAIL_OPEN, T_EMAIL_CLICK, T_FORM, T_WEBINAR, T_MEETING,
    T_DEAL, T_PURCHASE, T_USAGE, T_TICKET, T_RESOLVED, T_COMPANY, T_UNSUBSCRIBE, T_COUNT
} type_t;

static const char *const TYPE_NAMES[T_COUNT] = {
    "identify", "page_view", "email_open", "email_click", "form_submit", "webinar_attended",
    "meeting_booked", "deal_update", "purchase", "product_usage", "support_ticket",
    "ticket_resolved", "company_change", "unsubscribe"};

static const char *const PAGES[] = {"faq",  "pricing",  "product",    "blog",
                                    "docs", "checkout", "comparison", "case_study"};
enum { P_FAQ, P_PRICING, P_PRODUCT, P_BLOG, P_DOCS, P_CHECKOUT, P_COMPARISON, P_CASE };

static const char *const FORMS[] = {"newsletter", "whitepaper", "demo_request", "contact"};
enum { F_NEWSLETTER, F_WHITEPAPER, F_DEMO, F_CONTACT };

static const char *const DEAL_STAGES[] = {"proposal", "negotiation", "lost"};

static const char *const INDUSTRIES[] = {"manufacturing", "healthcare", "software", "finance",
                                         "retail",        "education",  "logistics"};
static const char *const ROLES[] = {"marketing manager", "head of demand generation",
                                    "CRM manager",       "sales director",
                                    "CMO",               "operations lead"};
static const char *const ZONES[] = {"Europe/London",       "America/New_York", "Asia/Tokyo",
                                    "Europe/Berlin",       "America/Los_Angeles",
                                    "Asia/Singapore"};
static const char *const CAMPAIGNS[] = {"newsletter-weekly", "nurture-problem", "nurture-proof",
                                        "webinar-promo", "product-update"};
static const char *const FEATURES[] = {"journeys", "segments", "reports", "playbooks", "api"};
static const char *const CHANGES[] = {"funding", "growth", "new_department", "reorg"};

/* One row of a phase's mix: a type, a sub-kind (page type, form, ...) and a weight. */
typedef struct {
    type_t type;
    int sub;
    int weight;
} mix_t;

static const mix_t READING[] = {
    {T_PAGE_VIEW, P_BLOG, 36}, {T_EMAIL_OPEN, 0, 22},        {T_EMAIL_CLICK, 0, 10},
    {T_FORM, F_NEWSLETTER, 5}, {T_FORM, F_WHITEPAPER, 4},    {T_PAGE_VIEW, P_PRODUCT, 8},
    {T_PAGE_VIEW, P_PRICING, 5}, {T_PAGE_VIEW, P_FAQ, 6},    {T_WEBINAR, 0, 4}};
static const mix_t RESEARCHING[] = {
    {T_PAGE_VIEW, P_PRODUCT, 18}, {T_PAGE_VIEW, P_PRICING, 14}, {T_PAGE_VIEW, P_FAQ, 15},
    {T_PAGE_VIEW, P_DOCS, 9},     {T_PAGE_VIEW, P_COMPARISON, 4}, {T_PAGE_VIEW, P_CASE, 5},
    {T_PAGE_VIEW, P_BLOG, 10},    {T_EMAIL_OPEN, 0, 9},           {T_EMAIL_CLICK, 0, 6},
    {T_WEBINAR, 0, 4},            {T_FORM, F_DEMO, 2},            {T_FORM, F_CONTACT, 1},
    {T_UNSUBSCRIBE, 0, 1}};
static const mix_t DECIDING[] = {
    {T_PAGE_VIEW, P_PRICING, 16}, {T_PAGE_VIEW, P_CHECKOUT, 9}, {T_PAGE_VIEW, P_FAQ, 10},
    {T_PAGE_VIEW, P_PRODUCT, 10}, {T_PAGE_VIEW, P_DOCS, 9},     {T_PAGE_VIEW, P_CASE, 5},
    {T_FORM, F_DEMO, 5},          {T_FORM, F_CONTACT, 3},       {T_MEETING, 0, 5},
    {T_DEAL, 0, 7},               {T_EMAIL_OPEN, 0, 8},         {T_EMAIL_CLICK, 0, 5}};
static const mix_t CUSTOMER[] = {
    {T_USAGE, 0, 40},       {T_PAGE_VIEW, P_DOCS, 12}, {T_TICKET, 0, 9},
    {T_RESOLVED, 0, 7},     {T_EMAIL_OPEN, 0, 8},      {T_EMAIL_CLICK, 0, 3},
    {T_PAGE_VIEW, P_BLOG, 8}, {T_COMPANY, 0, 3},       {T_PURCHASE, 0, 2},
    {T_WEBINAR, 0, 3},      {T_PAGE_VIEW, P_FAQ, 5}};

#define MIX(array) array, (int)(sizeof(array) / sizeof((array)[0]))

static const mix_t *pick_mix(uint64_t *s, const mix_t *mix, int count) {
    int total = 0;
    for (int i = 0; i < count; i++)
        total += mix[i].weight;
    int roll = below(s, total);
    for (int i = 0; i < count; i++) {
        if (roll < mix[i].weight)
            return &mix[i];
        roll -= mix[i].weight;
    }
    return &mix[count - 1];
}

/* ---- contacts and their journeys -------------------------------------------------------- */

enum { D_READER, D_RESEARCHER, D_DECIDER, D_BUYER };

typedef struct {
    int account;
    int touches;
    int depth;
    int purchase_at; /* the journey position of a buyer's first purchase */
} contact_t;

typedef struct {
    int industry, size, segment;
} account_t;

typedef struct {
    int64_t at_ms;
    uint32_t contact;
    uint16_t position;
    uint8_t type;
    uint8_t sub;
} touch_t;

typedef struct {
    long events, live;
    uint64_t seed;
    const char *backlog_path, *live_path, *stats_path;
} options_t;

static int compare_touches(const void *a, const void *b) {
    const touch_t *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    if (x->contact != y->contact)
        return x->contact < y->contact ? -1 : 1;
    return (int)x->position - (int)y->position;
}

/* Touch counts: Pareto weights (alpha 1.5) scaled to 'total', at least 2, capped. */
static void assign_touches(uint64_t *s, contact_t *contacts, int count, long total) {
    double *weights = malloc((size_t)count * sizeof *weights), sum = 0;
    for (int i = 0; i < count; i++) {
        weights[i] = pow(1.0 - uniform(s), -1.0 / 1.5);
        sum += weights[i];
    }
    long assigned = 0;
    for (int i = 0; i < count; i++) {
        long k = (long)(weights[i] / sum * (double)total);
        k = k < 2 ? 2 : k > MAX_TOUCHES_PER_CONTACT ? MAX_TOUCHES_PER_CONTACT : k;
        contacts[i].touches = (int)k;
        assigned += k;
    }
    while (assigned < total) {
        int i = below(s, count);
        if (contacts[i].touches < MAX_TOUCHES_PER_CONTACT)
            contacts[i].touches++, assigned++;
    }
    while (assigned > total) {
        int i = below(s, count);
        if (contacts[i].touches > 2)
            contacts[i].touches--, assigned--;
    }
    free(weights);
}

static void make_contacts(uint64_t *s, contact_t *contacts, int count, account_t **accounts_out,
                          int *account_count) {
    account_t *accounts = calloc((size_t)count, sizeof *accounts);
    int a = -1, left = 0;
    for (int i = 0; i < count; i++) {
        if (left == 0) {
            a++;
            left = 1 + (int)exponential(s, 2.2);
            left = left > 8 ? 8 : left;
            accounts[a].industry = below(s, (int)(sizeof INDUSTRIES / sizeof *INDUSTRIES));
            accounts[a].size = 10 + (int)exponential(s, 400);
            accounts[a].segment = accounts[a].size >= 1000 ? 0 : accounts[a].size >= 200 ? 1 : 2;
        }
        left--;
        contacts[i].account = a;
        double roll = uniform(s);
        contacts[i].depth = roll < 0.45 ? D_READER : roll < 0.75 ? D_RESEARCHER
                          : roll < 0.87 ? D_DECIDER : D_BUYER;
    }
    *accounts_out = accounts;
    *account_count = a + 1;
}

/* The phase mix at journey position 'j' of 'k'; NULL means the buyer's first purchase. */
static const mix_t *touch_kind(uint64_t *s, contact_t *c, int j) {
    double f = (double)j / c->touches;
    switch (c->depth) {
    case D_READER:
        return pick_mix(s, MIX(READING));
    case D_RESEARCHER:
        return f < 0.35 ? pick_mix(s, MIX(READING)) : pick_mix(s, MIX(RESEARCHING));
    case D_DECIDER:
        return f < 0.25 ? pick_mix(s, MIX(READING))
             : f < 0.6  ? pick_mix(s, MIX(RESEARCHING)) : pick_mix(s, MIX(DECIDING));
    default:
        if (j == c->purchase_at)
            return NULL;
        return f < 0.2 ? pick_mix(s, MIX(READING))
             : f < 0.45 ? pick_mix(s, MIX(RESEARCHING))
             : j < c->purchase_at ? pick_mix(s, MIX(DECIDING)) : pick_mix(s, MIX(CUSTOMER));
    }
}

/* Lays out every contact's touches in time: sessions of a few minutes, days apart. */
static touch_t *make_touches(uint64_t *s, contact_t *contacts, int count, long total) {
    touch_t *touches = malloc((size_t)total * sizeof *touches);
    long n = 0;
    for (int i = 0; i < count; i++) {
        contact_t *c = &contacts[i];
        c->purchase_at = c->touches > 2 ? (int)(0.6 * c->touches) : 1;
        double gap_days = 200.0 / c->touches < 3.0 ? 200.0 / c->touches : 3.0;
        int64_t at = 0;
        touch_t *first = &touches[n];
        for (int j = 0; j < c->touches; j++) {
            touch_t *t = &touches[n++];
            t->contact = (uint32_t)i;
            t->position = (uint16_t)(j > 65535 ? 65535 : j);
            if (j == 0) {
                t->type = T_IDENTIFY, t->sub = 0;
            } else {
                const mix_t *m = touch_kind(s, c, j);
                t->type = (uint8_t)(m ? m->type : T_PURCHASE);
                t->sub = (uint8_t)(m ? m->sub : 0);
                at += uniform(s) < 0.55 ? (int64_t)(60000 + exponential(s, 240000))
                                        : (int64_t)exponential(s, gap_days * 86400000.0);
            }
            t->at_ms = at;
        }
        int64_t length = at < SPAN_MS ? at : SPAN_MS;
        int64_t start = T0_MS + (int64_t)(uniform(s) * (double)(SPAN_MS - length));
        for (int j = 0; j < c->touches; j++) {
            int64_t when = first[j].at_ms < SPAN_MS ? first[j].at_ms : SPAN_MS;
            first[j].at_ms = (start + when) / 1000 * 1000;
        }
    }
    qsort(touches, (size_t)total, sizeof *touches, compare_touches);
    return touches;
}

/* ---- output ----------------------------------------------------------------------------- */

static void format_time(int64_t ms, char *buf, size_t size) {
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&seconds, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void write_props(FILE *out, uint64_t *s, const touch_t *t, const account_t *acct) {
    static const char *const SEGMENTS[] = {"enterprise", "mid_market", "smb"};
    static const char *const CATEGORIES[] = {"defect", "defect", "question", "billing"};
    static const char *const SEVERITIES[] = {"low", "medium", "high", "critical"};
    switch ((type_t)t->type) {
    case T_IDENTIFY:
        fprintf(out, "{\"industry\":\"%s\",\"company_size\":%d,\"role\":\"%s\",\"timezone\":\"%s\","
                     "\"segment\":\"%s\",\"runs_ma\":%s}",
                INDUSTRIES[acct->industry], acct->size, PICK(s, ROLES), PICK(s, ZONES),
                SEGMENTS[acct->segment], uniform(s) < 0.6 ? "true" : "false");
        break;
    case T_PAGE_VIEW: {
        double mean = t->sub == P_PRICING || t->sub == P_PRODUCT ? 120 : 60;
        fprintf(out, "{\"page_type\":\"%s\",\"url\":\"/%s/%d\",\"dwell_s\":%d,\"device\":\"%s\"}",
                PAGES[t->sub], PAGES[t->sub], below(s, 40), 3 + (int)exponential(s, mean),
                uniform(s) < 0.3 ? "mobile" : "desktop");
        break;
    }
    case T_EMAIL_OPEN:
        fprintf(out, "{\"campaign\":\"%s\",\"mail_id\":\"m-%d\"}", PICK(s, CAMPAIGNS), below(s, 5000));
        break;
    case T_EMAIL_CLICK:
        fprintf(out, "{\"campaign\":\"%s\",\"mail_id\":\"m-%d\",\"url\":\"/blog/%d\"}",
                PICK(s, CAMPAIGNS), below(s, 5000), below(s, 300));
        break;
    case T_FORM:
        fprintf(out, "{\"form\":\"%s\",\"url\":\"/forms/%s\"}", FORMS[t->sub], FORMS[t->sub]);
        break;
    case T_WEBINAR:
        fprintf(out, "{\"webinar\":\"buying-signals-%d\",\"minutes\":%d}", below(s, 12),
                5 + below(s, 55));
        break;
    case T_MEETING:
        fprintf(out, "{\"with\":\"inside_sales\",\"duration_min\":30}");
        break;
    case T_DEAL:
        fprintf(out, "{\"stage\":\"%s\",\"amount\":%d}", PICK(s, DEAL_STAGES), 1000 * (5 + below(s, 95)));
        break;
    case T_PURCHASE:
        fprintf(out, "{\"plan\":\"%s\",\"seats\":%d,\"amount\":%d}",
                uniform(s) < 0.5 ? "business" : "team", 3 + below(s, 60), 1000 * (3 + below(s, 80)));
        break;
    case T_USAGE:
        fprintf(out, "{\"feature\":\"%s\",\"minutes\":%d}", PICK(s, FEATURES), 1 + below(s, 90));
        break;
    case T_TICKET:
        fprintf(out, "{\"category\":\"%s\",\"severity\":\"%s\",\"ticket\":\"t-%d\"}",
                PICK(s, CATEGORIES), PICK(s, SEVERITIES), below(s, 1000000));
        break;
    case T_RESOLVED:
        fprintf(out, "{\"ticket\":\"t-%d\"}", below(s, 1000000));
        break;
    case T_COMPANY:
        fprintf(out, "{\"change\":\"%s\"}", PICK(s, CHANGES));
        break;
    default:
        fprintf(out, "{\"list\":\"marketing\"}");
        break;
    }
}

static void channel_and_source(type_t type, const char **channel, const char **source) {
    switch (type) {
    case T_IDENTIFY: case T_DEAL: case T_PURCHASE: case T_COMPANY:
        *channel = "sales", *source = "crm"; break;
    case T_EMAIL_OPEN: case T_EMAIL_CLICK: case T_UNSUBSCRIBE:
        *channel = "email", *source = "ma"; break;
    case T_TICKET: case T_RESOLVED:
        *channel = "support", *source = "support"; break;
    case T_USAGE:
        *channel = "product", *source = "product"; break;
    case T_MEETING: case T_WEBINAR:
        *channel = "sales", *source = "ma"; break;
    default:
        *channel = "web", *source = "site"; break;
    }
}

static void write_line(FILE *out, uint64_t *s, long seq, const touch_t *t,
                       const contact_t *contacts, const account_t *accounts) {
    char at[32];
    const char *channel, *source;
    int account = contacts[t->contact].account;
    format_time(t->at_ms, at, sizeof at);
    channel_and_source((type_t)t->type, &channel, &source);
    fprintf(out,
            "{\"id\":\"ev-%09ld\",\"contact\":\"u%" PRIu32 "@acct%d.example\",\"type\":\"%s\","
            "\"at\":\"%s\",\"account\":\"acct%d\",\"channel\":\"%s\",\"source\":\"%s\",\"props\":",
            seq, t->contact, account, TYPE_NAMES[t->type], at, account, channel, source);
    write_props(out, s, t, &accounts[account]);
    fputs("}\n", out);
}

static const char USAGE[] =
    "usage: bench-gen --events N [--live M] [--seed S] --out FILE [--live-out FILE]\n"
    "                 [--stats FILE]\n"
    "Writes N touchpoints (JSON Lines, sorted by time) to FILE and the next M to the live\n"
    "file; contacts = (N+M/2)/31, so that the\n"
    "backlog averages about 31 touches per contact. Statistics (key=value lines) go to the stats file or stderr.\n";

static int parse_args(int argc, char **argv, options_t *o) {
    memset(o, 0, sizeof *o);
    o->seed = 42;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value == NULL)
            return -1;
        if (strcmp(argv[i], "--events") == 0)
            o->events = atol(value);
        else if (strcmp(argv[i], "--live") == 0)
            o->live = atol(value);
        else if (strcmp(argv[i], "--seed") == 0)
            o->seed = strtoull(value, NULL, 10);
        else if (strcmp(argv[i], "--out") == 0)
            o->backlog_path = value;
        else if (strcmp(argv[i], "--live-out") == 0)
            o->live_path = value;
        else if (strcmp(argv[i], "--stats") == 0)
            o->stats_path = value;
        else
            return -1;
        i++;
    }
    if (o->events <= 0 || o->live < 0 || o->backlog_path == NULL || (o->live > 0 && !o->live_path))
        return -1;
    return 0;
}

int main(int argc, char **argv) {
    options_t o;
    if (parse_args(argc, argv, &o) != 0) {
        fputs(USAGE, stderr);
        return 2;
    }
    uint64_t s = o.seed;
    int count = (int)ceil((double)(o.events + o.live / 2) / TOUCHES_PER_CONTACT);
    long total = o.events + o.live;
    if ((long)count * 2 > total)
        count = (int)(total / 2);
    contact_t *contacts = calloc((size_t)count, sizeof *contacts);
    account_t *accounts;
    int account_count;
    make_contacts(&s, contacts, count, &accounts, &account_count);
    assign_touches(&s, contacts, count, total);
    touch_t *touches = make_touches(&s, contacts, count, total);

    FILE *backlog = fopen(o.backlog_path, "w");
    FILE *live = o.live > 0 ? fopen(o.live_path, "w") : NULL;
    if (backlog == NULL || (o.live > 0 && live == NULL)) {
        perror("bench-gen: opening the output");
        return 1;
    }
    char *in_backlog = calloc((size_t)count, 1);
    long type_counts[T_COUNT] = {0}, written = 0, duplicates = 0, distinct = 0, next = 0;
    while (written < o.events && next < total) {
        const touch_t *t = &touches[next];
        if (!in_backlog[t->contact])
            in_backlog[t->contact] = 1, distinct++;
        type_counts[t->type]++;
        uint64_t props_seed = s;
        write_line(backlog, &s, next, t, contacts, accounts);
        written++;
        if (written < o.events && below(&s, 1000) < DUPLICATE_PER_MILLE) {
            write_line(backlog, &props_seed, next, t, contacts, accounts); /* the same bytes */
            written++, duplicates++;
        }
        next++;
    }
    long live_written = 0;
    for (; live && live_written < o.live && next < total; next++, live_written++)
        write_line(live, &s, next, &touches[next], contacts, accounts);
    if (fclose(backlog) != 0 || (live && fclose(live) != 0)) {
        perror("bench-gen: writing the output");
        return 1;
    }

    int max_touches = 0;
    for (int i = 0; i < count; i++)
        max_touches = contacts[i].touches > max_touches ? contacts[i].touches : max_touches;
    FILE *stats = o.stats_path ? fopen(o.stats_path, "w") : stderr;
    if (stats == NULL)
        stats = stderr;
    fprintf(stats, "events=%ld\nlive_events=%ld\nduplicates=%ld\ncontacts=%ld\naccounts=%d\n"
                   "touches_per_contact=%.1f\nmax_touches_per_contact=%d\n",
            written, live_written, duplicates, distinct, account_count,
            distinct ? (double)(written - duplicates) / (double)distinct : 0.0, max_touches);
    for (int i = 0; i < T_COUNT; i++)
        fprintf(stats, "type.%s=%ld\n", TYPE_NAMES[i], type_counts[i]);
    if (stats != stderr)
        fclose(stats);
    free(in_backlog);
    free(touches);
    free(accounts);
    free(contacts);
    return 0;
}
