/* map: the journey map — the playbook's stages left to right, and for each one how many
 * contacts reached it, moved on, went back, stalled or were last seen there, what they did
 * there, what the engine inferred they thought, what it sent and what it held back. Runs the
 * offline loop (as replay) over --events and writes one self-contained HTML page. */
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/commands.h"
#include "engine/cli/html.h"
#include "engine/cli/offline.h"
#include "engine/core/clock.h"
#include "engine/core/strmap.h"

static const char USAGE[] =
    "usage: nurture map --rules DIR --events FILE -o FILE.html [--facts FILE]\n"
    "                   [--segment FACT=VALUE] [--account ID]\n"
    "\n"
    "Runs the playbook over the events as replay does and writes a journey map: one HTML page\n"
    "(no scripts, nothing fetched) with the playbook's stages left to right and, per stage, how\n"
    "many contacts reached it, moved forward, went back, stalled (no touchpoint for 14 days, on\n"
    "the clock of the events) and were last seen there; the touchpoints seen there; the\n"
    "inferred mind as a heat strip per state; the content and tasks delivered; and the actions\n"
    "held back, by policy.\n"
    "  --segment FACT=VALUE  only contacts whose fact FACT is VALUE after their last touchpoint\n"
    "  --account ID          only the contacts of account ID\n"
    "  --facts FILE          JSON Lines of {\"contact\": ID, ...facts}, as for replay\n"
    "  -o FILE               where to write the page (\"-\": standard output)\n";

#define MAP_STALL_MS (14LL * 24 * 60 * 60 * 1000) /* no touchpoint for this long: stalled */
#define MAP_ROWS_MAX 256  /* distinct names per tally; the rest are counted under "other" */
#define MAP_TOP_TYPES 5   /* touchpoint types listed per stage */
#define MAP_TOP_ITEMS 6   /* content and tasks listed per stage */

enum { SEEN_REACHED = 1, SEEN_FORWARD = 2, SEEN_BACK = 4, SEEN_STALLED = 8 };

/* A tally: names (touchpoint types, mind states, deliveries, policies) with a value per stage. */
typedef struct {
    char *name;
    double *per_stage;
    double total;
} map_row_t;

typedef struct {
    map_row_t *rows;
    int count;
    int capacity;
} map_tally_t;

/* What the map remembers of one contact; 'seen' holds SEEN_* flags per stage. */
typedef struct {
    int stage;
    int64_t last_at_ms;
    unsigned char seen[];
} map_contact_t;

/* A delivery, so that a goal cancelling it later takes it off the count. */
typedef struct {
    int row;
    int stage;
} map_delivery_t;

typedef struct {
    const char *rules, *events, *facts, *output;
    const char *segment_fact, *segment_value, *account;
    playbook_t *playbook;
    int stage_count;
    int is_out_of_memory;
    strmap_t members;    /* contact id -> &IN or &OUT: the filter, from the first pass */
    strmap_t contacts;   /* contact id -> map_contact_t* */
    strmap_t deliveries; /* action id -> map_delivery_t* */
    map_tally_t types, mind, items, held;
    long *touches;   /* touchpoints per stage */
    long *cancelled; /* deliveries per stage cancelled later by a goal */
    long contact_count, touch_count, action_count;
    int64_t first_at_ms, last_at_ms; /* of the whole file: the data's own clock */
} map_t;

static char IN, OUT;

/* ---- tallies ------------------------------------------------------------------------------ */

/* Returns the row called 'name', added when new (past MAP_ROWS_MAX: the "other" row), or -1
 * when memory runs out. */
static int tally_row(map_tally_t *t, int stage_count, const char *name) {
    for (int i = 0; i < t->count; i++)
        if (strcmp(t->rows[i].name, name) == 0)
            return i;
    if (t->count >= MAP_ROWS_MAX)
        name = "other";
    for (int i = 0; i < t->count; i++)
        if (strcmp(t->rows[i].name, name) == 0)
            return i;
    if (t->count == t->capacity) {
        int capacity = t->capacity ? t->capacity * 2 : 16;
        map_row_t *rows = realloc(t->rows, (size_t)capacity * sizeof *rows);
        if (rows == NULL)
            return -1;
        t->rows = rows;
        t->capacity = capacity;
    }
    map_row_t *row = &t->rows[t->count];
    row->name = strdup(name);
    row->per_stage = calloc((size_t)stage_count, sizeof *row->per_stage);
    row->total = 0;
    if (row->name == NULL || row->per_stage == NULL) {
        free(row->name);
        free(row->per_stage);
        return -1;
    }
    return t->count++;
}

static int tally_add(map_t *m, map_tally_t *t, const char *name, int stage, double amount) {
    int row = tally_row(t, m->stage_count, name);
    if (row < 0) {
        m->is_out_of_memory = 1;
        return -1;
    }
    t->rows[row].per_stage[stage] += amount;
    t->rows[row].total += amount;
    return row;
}

static void tally_close(map_tally_t *t) {
    for (int i = 0; i < t->count; i++) {
        free(t->rows[i].name);
        free(t->rows[i].per_stage);
    }
    free(t->rows);
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const map_row_t *)a)->name, ((const map_row_t *)b)->name);
}

static int by_total(const void *a, const void *b) {
    const map_row_t *x = a, *y = b;
    return x->total < y->total ? 1 : x->total > y->total ? -1 : strcmp(x->name, y->name);
}

/* ---- the filter (first pass) --------------------------------------------------------------- */

/* Returns 1 when fact 'name' of 'facts' reads as 'value' (strings as they are, numbers and
 * booleans as JSON writes them). */
static int fact_is(const cJSON *facts, const char *name, const char *value) {
    const cJSON *fact = cJSON_GetObjectItemCaseSensitive(facts, name);
    if (cJSON_IsString(fact))
        return strcmp(fact->valuestring, value) == 0;
    if (cJSON_IsBool(fact))
        return strcmp(cJSON_IsTrue(fact) ? "true" : "false", value) == 0;
    if (cJSON_IsNumber(fact)) {
        char *end;
        double number = strtod(value, &end);
        return end != value && *end == '\0' && number == fact->valuedouble;
    }
    return 0;
}

static int is_member(const map_t *m, const event_t *event, const contact_t *contact) {
    if (m->segment_fact && !fact_is(contact->facts, m->segment_fact, m->segment_value))
        return 0;
    if (m->account) {
        char id[EVENT_MAX_ID_BYTES + 1];
        if (!account_id_for(event, contact->account, id, sizeof id) || strcmp(id, m->account) != 0)
            return 0;
    }
    return 1;
}

/* The first pass: a contact is in when it matches the filter after its last touchpoint. */
static void classify(const event_t *event, const contact_t *contact, const decision_t *decision,
                     void *ud) {
    (void)decision;
    map_t *m = ud;
    if (strmap_put(&m->members, event->contact, is_member(m, event, contact) ? &IN : &OUT) != 0)
        m->is_out_of_memory = 1;
}

/* ---- the second pass: what happened at each stage ----------------------------------------- */

static int stage_index(const map_t *m, const char *stage) {
    if (stage == NULL)
        return 0;
    for (int i = 0; i < m->stage_count; i++)
        if (strcmp(playbook_stage(m->playbook, i), stage) == 0)
            return i;
    return -1;
}

static map_contact_t *contact_record(map_t *m, const event_t *event) {
    map_contact_t *c = strmap_get(&m->contacts, event->contact);
    if (c != NULL)
        return c;
    c = calloc(1, sizeof *c + (size_t)m->stage_count);
    if (c == NULL || strmap_put(&m->contacts, event->contact, c) != 0) {
        free(c);
        m->is_out_of_memory = 1;
        return NULL;
    }
    c->stage = 0; /* every contact starts at the first stage */
    c->seen[0] = SEEN_REACHED;
    c->last_at_ms = event->at_ms;
    m->contact_count++;
    return c;
}

/* Follows the stage rules that fired: each step forward or back marks the stage it left. */
static void follow_moves(map_t *m, map_contact_t *c, const decision_t *d, const contact_t *contact) {
    int from = c->stage;
    for (int i = 0; i < d->move_count; i++) {
        int to = stage_index(m, d->moves[i]->to_stage);
        if (to < 0 || to == from)
            continue;
        c->seen[from] |= to > from ? SEEN_FORWARD : SEEN_BACK;
        c->seen[to] |= SEEN_REACHED;
        from = to;
    }
    int now = stage_index(m, contact->stage);
    if (now >= 0 && now != from) { /* set some other way: count it all the same */
        c->seen[from] |= now > from ? SEEN_FORWARD : SEEN_BACK;
        c->seen[now] |= SEEN_REACHED;
        from = now;
    }
    c->stage = from;
}

static void tally_mind(map_t *m, const event_t *event, const contact_t *contact, int stage) {
    for (int i = 0; i < contact->mind.count; i++) {
        const char *name = contact->mind.states[i].name;
        double value = mind_value(&contact->mind, name, event->at_ms,
                                  playbook_half_life_ms(m->playbook, name));
        tally_add(m, &m->mind, name, stage, value);
    }
}

/* The name a delivery is listed under: the content's title, or the task's role and title. */
static void delivery_name(const action_t *a, char *buf, size_t size) {
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(a->target, "title");
    const char *text = cJSON_IsString(title) ? title->valuestring : a->rule;
    if (a->kind == ACTION_TASK) {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(a->target, "role");
        snprintf(buf, size, "Task (%s): %s", cJSON_IsString(role) ? role->valuestring : "?", text);
    } else {
        snprintf(buf, size, "%s", text);
    }
}

static void tally_actions(map_t *m, const decision_t *d, int stage) {
    char name[512];
    for (int i = 0; i < d->action_count; i++) {
        delivery_name(&d->actions[i], name, sizeof name);
        int row = tally_add(m, &m->items, name, stage, 1);
        map_delivery_t *delivery = malloc(sizeof *delivery);
        if (row < 0 || delivery == NULL ||
            strmap_put(&m->deliveries, d->actions[i].id, delivery) != 0) {
            free(delivery);
            m->is_out_of_memory = 1;
            continue;
        }
        delivery->row = row;
        delivery->stage = stage;
    }
    m->action_count += d->action_count;
    for (int i = 0; i < d->cancelled_count && i < DECIDE_MAX_CANCELLED; i++) {
        map_delivery_t *delivery = strmap_get(&m->deliveries, d->cancelled[i].id);
        if (delivery == NULL || delivery->row < 0)
            continue;
        m->items.rows[delivery->row].per_stage[delivery->stage] -= 1;
        m->items.rows[delivery->row].total -= 1;
        m->cancelled[delivery->stage]++;
        delivery->row = -1; /* counted once */
    }
    int held = d->held_count < DECIDE_MAX_HELD ? d->held_count : DECIDE_MAX_HELD;
    for (int i = 0; i < held; i++)
        tally_add(m, &m->held, d->held[i].policy, stage, 1);
    if (d->held_count > held)
        tally_add(m, &m->held, "(not itemised)", stage, d->held_count - held);
}

static void map_step(const event_t *event, const contact_t *contact, const decision_t *decision,
                     void *ud) {
    map_t *m = ud;
    if (event->at_ms < m->first_at_ms)
        m->first_at_ms = event->at_ms;
    if (event->at_ms > m->last_at_ms)
        m->last_at_ms = event->at_ms;
    if ((m->segment_fact || m->account) && strmap_get(&m->members, event->contact) != &IN)
        return;
    map_contact_t *c = contact_record(m, event);
    if (c == NULL)
        return;
    if (event->at_ms - c->last_at_ms >= MAP_STALL_MS)
        c->seen[c->stage] |= SEEN_STALLED;
    follow_moves(m, c, decision, contact);
    if (event->at_ms > c->last_at_ms)
        c->last_at_ms = event->at_ms;
    int stage = c->stage;
    m->touches[stage]++;
    m->touch_count++;
    tally_add(m, &m->types, event->type, stage, 1);
    tally_mind(m, event, contact, stage);
    tally_actions(m, decision, stage);
}

/* ---- the page ------------------------------------------------------------------------------ */

typedef struct {
    long reached, forward, back, stalled, left;
} map_flow_t;

/* Counts the contacts per stage; a contact quiet for MAP_STALL_MS before the end of the data
 * stalled where it stands. */
static void count_flow(map_t *m, map_flow_t *flow) {
    for (size_t i = 0; i < m->contacts.capacity; i++) {
        map_contact_t *c = m->contacts.keys[i] ? m->contacts.values[i] : NULL;
        if (c == NULL)
            continue;
        if (m->last_at_ms - c->last_at_ms >= MAP_STALL_MS)
            c->seen[c->stage] |= SEEN_STALLED;
        flow[c->stage].left++;
        for (int s = 0; s < m->stage_count; s++) {
            flow[s].reached += (c->seen[s] & SEEN_REACHED) != 0;
            flow[s].forward += (c->seen[s] & SEEN_FORWARD) != 0;
            flow[s].back += (c->seen[s] & SEEN_BACK) != 0;
            flow[s].stalled += (c->seen[s] & SEEN_STALLED) != 0;
        }
    }
}

static const char MAP_CSS[] =
    "figure{margin:8px 0 4px}svg{max-width:100%;height:auto}"
    "table.map{border-collapse:collapse;width:100%;table-layout:fixed}"
    ".map th,.map td{border:1px solid #dde3ec;padding:3px 5px;vertical-align:top;"
    "overflow-wrap:anywhere}"
    ".map thead th{background:#1f3a68;color:#fff;font-size:13px;text-align:center}"
    ".map th.row{background:#f5f7fa;text-align:left;font-weight:600;width:150px}"
    ".map tr.section th{background:#e8edf5;text-align:left;font-size:12px;letter-spacing:.02em}"
    ".num{font-variant-numeric:tabular-nums;text-align:right;white-space:nowrap}"
    ".bar{height:5px;background:#e8edf5;margin-top:2px}.bar i{display:block;height:5px}"
    ".f i{background:#2b8a3e}.b i{background:#e8590c}.s i{background:#c92a2a}"
    ".l i{background:#5f6b7d}.r i{background:#1f3a68}"
    "td.heat{text-align:center;font-variant-numeric:tabular-nums;font-size:12px}"
    "ul.list{list-style:none;margin:0;padding:0}ul.list li{display:flex;gap:4px;"
    "justify-content:space-between}ul.list li span:last-child{color:#5b6475;"
    "font-variant-numeric:tabular-nums}"
    ".legend{display:flex;flex-wrap:wrap;gap:18px;align-items:center;margin:10px 0}"
    ".legend span.sw{display:inline-block;width:14px;height:10px;margin-right:4px;"
    "vertical-align:middle}"
    ".scale{display:inline-flex;vertical-align:middle}.scale i{width:18px;height:10px}";

/* A count with a bar of its share of 'of'; 'kind' picks the colour. */
static void cell_count(FILE *out, long count, long of, const char *kind) {
    double share = of > 0 ? 100.0 * (double)count / (double)of : 0;
    fprintf(out, "<td class=\"num\">%ld<div class=\"bar %s\"><i style=\"width:%.1f%%\"></i></div></td>",
            count, kind, share);
}

static void write_header(FILE *out, const map_t *m) {
    char from[CLOCK_ISO_MAX] = "-", to[CLOCK_ISO_MAX] = "-";
    if (m->touch_count > 0) {
        clock_format_iso(m->first_at_ms, from, sizeof from);
        clock_format_iso(m->last_at_ms, to, sizeof to);
    }
    fputs("<h1>Journey map</h1>\n<p class=\"meta\">Playbook <b>", out);
    html_escape(out, m->rules);
    fputs("</b> (version <code>", out);
    html_escape(out, playbook_version(m->playbook));
    fputs("</code>), events <b>", out);
    html_escape(out, m->events);
    fputs("</b>", out);
    if (m->segment_fact) {
        fputs(", segment <b>", out);
        html_escape(out, m->segment_fact);
        fputs(" = ", out);
        html_escape(out, m->segment_value);
        fputs("</b>", out);
    }
    if (m->account) {
        fputs(", account <b>", out);
        html_escape(out, m->account);
        fputs("</b>", out);
    }
    fprintf(out, "<br><b>%ld</b> contacts, <b>%ld</b> touchpoints, <b>%ld</b> actions decided; "
                 "touchpoints from %s to %s (the clock of the data).</p>\n",
            m->contact_count, m->touch_count, m->action_count, from, to);
}

/* The strip of stages: boxes shaded by how many reached them, forward arrows between
 * neighbours and a curved arrow under a stage for the contacts who went back from it. */
static void write_strip(FILE *out, const map_t *m, const map_flow_t *flow) {
    const int box_w = 128, gap = 34, top = 30, box_h = 64;
    int width = m->stage_count * (box_w + gap) - gap + 20;
    long most = 1;
    for (int s = 0; s < m->stage_count; s++)
        most = flow[s].reached > most ? flow[s].reached : most;
    fprintf(out, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d 164\" "
                 "width=\"%d\" role=\"img\" aria-label=\"stages and flow\">\n"
                 "<defs><marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
                 "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" "
                 "fill=\"context-stroke\"/></marker></defs>\n",
            width, width);
    for (int s = 0; s < m->stage_count; s++) {
        int x = 10 + s * (box_w + gap);
        char color[HTML_COLOR_MAX];
        int is_dark = html_heat_color(0.12 + 0.88 * (double)flow[s].reached / (double)most, color);
        const char *ink = is_dark ? "#fff" : "#1d2433";
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\" fill=\"%s\" "
                     "stroke=\"#1f3a68\"/>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
                     "font-size=\"13\" font-weight=\"600\" fill=\"%s\">",
                x, top, box_w, box_h, color, x + box_w / 2, top + 22, ink);
        html_escape(out, playbook_stage(m->playbook, s));
        fprintf(out, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"20\" "
                     "font-weight=\"700\" fill=\"%s\">%ld</text>\n",
                x + box_w / 2, top + 50, ink, flow[s].reached);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
                     "fill=\"#5b6475\">stage %d</text>\n", x + box_w / 2, top - 8, s + 1);
        if (s + 1 < m->stage_count)
            fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#2b8a3e\" "
                         "stroke-width=\"2\" marker-end=\"url(#ah)\"/>\n<text x=\"%d\" y=\"%d\" "
                         "text-anchor=\"middle\" font-size=\"11\" fill=\"#2b8a3e\">%ld</text>\n",
                    x + box_w + 2, top + box_h / 2, x + box_w + gap - 3, top + box_h / 2,
                    x + box_w + gap / 2, top + box_h / 2 - 6, flow[s].forward);
        if (flow[s].back > 0 && s > 0)
            fprintf(out, "<path d=\"M%d %d C%d %d %d %d %d %d\" fill=\"none\" stroke=\"#e8590c\" "
                         "stroke-width=\"1.5\" stroke-dasharray=\"4 3\" marker-end=\"url(#ah)\"/>\n"
                         "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
                         "fill=\"#e8590c\">%ld back</text>\n",
                    x + box_w / 2 - 10, top + box_h + 2, x + box_w / 2 - 20, top + box_h + 34,
                    x - gap / 2 - 20, top + box_h + 34, x - gap - box_w / 2 + 30, top + box_h + 2,
                    x - gap / 2, top + box_h + 42, flow[s].back);
        if (flow[s].stalled > 0 || flow[s].left > 0)
            fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
                         "fill=\"#5b6475\">%ld stalled · %ld last seen</text>\n",
                    x + box_w / 2, top + box_h + 56, flow[s].stalled, flow[s].left);
    }
    fputs("</svg></figure>\n", out);
}

static void write_head_row(FILE *out, const map_t *m) {
    fputs("<thead><tr><th class=\"row\" style=\"background:#1f3a68;color:#fff\">Stage</th>", out);
    for (int s = 0; s < m->stage_count; s++) {
        fputs("<th>", out);
        html_escape(out, playbook_stage(m->playbook, s));
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n", out);
}

static void write_section(FILE *out, const map_t *m, const char *title) {
    fprintf(out, "<tr class=\"section\"><th colspan=\"%d\">%s</th></tr>\n", m->stage_count + 1,
            title);
}

static void write_flow_rows(FILE *out, const map_t *m, const map_flow_t *flow) {
    static const struct {
        const char *label, *kind;
        size_t offset;
    } ROWS[] = {
        {"Reached", "r", offsetof(map_flow_t, reached)},
        {"Moved forward", "f", offsetof(map_flow_t, forward)},
        {"Went back", "b", offsetof(map_flow_t, back)},
        {"Stalled (14 days quiet)", "s", offsetof(map_flow_t, stalled)},
        {"Left (last seen here)", "l", offsetof(map_flow_t, left)},
    };
    write_section(out, m, "Contacts");
    for (size_t r = 0; r < sizeof ROWS / sizeof ROWS[0]; r++) {
        fprintf(out, "<tr><th class=\"row\">%s</th>", ROWS[r].label);
        for (int s = 0; s < m->stage_count; s++) {
            long count = *(const long *)((const char *)&flow[s] + ROWS[r].offset);
            cell_count(out, count, r == 0 ? m->contact_count : flow[s].reached, ROWS[r].kind);
        }
        fputs("</tr>\n", out);
    }
}

/* Lists the 'top' rows of 't' with the most at 'stage', with "+N more" for the rest. */
static void write_top(FILE *out, const map_tally_t *t, int stage, int top) {
    int *order = malloc((size_t)(t->count ? t->count : 1) * sizeof *order);
    int n = 0;
    for (int i = 0; order && i < t->count; i++)
        if (t->rows[i].per_stage[stage] > 0.5)
            order[n++] = i;
    for (int i = 1; i < n; i++) /* insertion sort: few rows, most first, then by name */
        for (int k = i; k > 0; k--) {
            const map_row_t *a = &t->rows[order[k - 1]], *b = &t->rows[order[k]];
            double x = a->per_stage[stage], y = b->per_stage[stage];
            if (x > y || (x == y && strcmp(a->name, b->name) <= 0))
                break;
            int swap = order[k];
            order[k] = order[k - 1];
            order[k - 1] = swap;
        }
    if (n == 0)
        fputs("<span class=\"muted\">–</span>", out);
    else
        fputs("<ul class=\"list\">", out);
    for (int i = 0; i < n && i < top; i++) {
        fputs("<li><span>", out);
        html_escape(out, t->rows[order[i]].name);
        fprintf(out, "</span><span>%.0f</span></li>", t->rows[order[i]].per_stage[stage]);
    }
    if (n > top)
        fprintf(out, "<li class=\"muted\"><span>+%d more</span></li>", n - top);
    if (n > 0)
        fputs("</ul>", out);
    free(order);
}

static void write_touch_rows(FILE *out, const map_t *m) {
    write_section(out, m, "What they did there");
    fputs("<tr><th class=\"row\">Touchpoints</th>", out);
    for (int s = 0; s < m->stage_count; s++)
        fprintf(out, "<td class=\"num\">%ld</td>", m->touches[s]);
    fputs("</tr>\n<tr><th class=\"row\">Most seen types</th>", out);
    for (int s = 0; s < m->stage_count; s++) {
        fputs("<td>", out);
        write_top(out, &m->types, s, MAP_TOP_TYPES);
        fputs("</td>", out);
    }
    fputs("</tr>\n", out);
}

static void write_mind_rows(FILE *out, const map_t *m) {
    write_section(out, m, "What we inferred they think (mean at touchpoints in the stage, 0 to 1)");
    if (m->mind.count == 0)
        fprintf(out, "<tr><td colspan=\"%d\" class=\"muted\">No mind state was raised.</td></tr>\n",
                m->stage_count + 1);
    for (int i = 0; i < m->mind.count; i++) {
        const map_row_t *row = &m->mind.rows[i];
        fputs("<tr><th class=\"row\">", out);
        html_escape(out, row->name);
        fputs("</th>", out);
        for (int s = 0; s < m->stage_count; s++) {
            if (m->touches[s] == 0) {
                fputs("<td class=\"heat muted\">–</td>", out);
                continue;
            }
            double mean = row->per_stage[s] / (double)m->touches[s];
            char color[HTML_COLOR_MAX];
            int is_dark = html_heat_color(mean, color);
            fprintf(out, "<td class=\"heat\" style=\"background:%s;color:%s\">%.2f</td>", color,
                    is_dark ? "#fff" : "#1d2433", mean);
        }
        fputs("</tr>\n", out);
    }
}

static void write_action_rows(FILE *out, const map_t *m) {
    write_section(out, m, "What we did there");
    fputs("<tr><th class=\"row\">Content and tasks delivered</th>", out);
    for (int s = 0; s < m->stage_count; s++) {
        fputs("<td>", out);
        write_top(out, &m->items, s, MAP_TOP_ITEMS);
        if (m->cancelled[s] > 0)
            fprintf(out, "<div class=\"muted\">%ld cancelled later by a goal</div>", m->cancelled[s]);
        fputs("</td>", out);
    }
    fputs("</tr>\n", out);
    if (m->held.count == 0)
        fprintf(out, "<tr><th class=\"row\">Held back</th><td colspan=\"%d\" class=\"muted\">"
                     "Nothing was held back.</td></tr>\n", m->stage_count);
    for (int i = 0; i < m->held.count; i++) {
        const map_row_t *row = &m->held.rows[i];
        fputs("<tr><th class=\"row\">Held back by ", out);
        html_escape(out, row->name);
        fputs("</th>", out);
        for (int s = 0; s < m->stage_count; s++)
            if (row->per_stage[s] > 0.5)
                fprintf(out, "<td class=\"num\">%.0f</td>", row->per_stage[s]);
            else
                fputs("<td class=\"num muted\">–</td>", out);
        fputs("</tr>\n", out);
    }
}

static void write_legend(FILE *out) {
    fputs("<div class=\"legend\"><span><b>Legend</b></span>"
          "<span><span class=\"sw\" style=\"background:#1f3a68\"></span>reached (share of all "
          "contacts)</span>"
          "<span><span class=\"sw\" style=\"background:#2b8a3e\"></span>moved forward</span>"
          "<span><span class=\"sw\" style=\"background:#e8590c\"></span>went back</span>"
          "<span><span class=\"sw\" style=\"background:#c92a2a\"></span>stalled</span>"
          "<span><span class=\"sw\" style=\"background:#5f6b7d\"></span>left (last seen)</span>"
          "<span>mind 0 <span class=\"scale\">", out);
    for (int i = 0; i <= 10; i++) {
        char color[HTML_COLOR_MAX];
        html_heat_color(i / 10.0, color);
        fprintf(out, "<i style=\"background:%s\"></i>", color);
    }
    fputs("</span> 1</span></div>\n", out);
}

static void write_note(FILE *out) {
    fputs("<section class=\"note\"><p><b>How to read this.</b> Stages run left to right in "
          "the playbook's order; every contact starts at the first. Each touchpoint counts at the "
          "stage the contact stood in once it was decided, which is also the stage its actions "
          "were chosen for.</p>"
          "<p><b>Reached</b>: contacts that were in the stage at some time (the bars show the "
          "share of all contacts). <b>Moved forward</b> and <b>went back</b>: contacts that left "
          "the stage for a later or an earlier one at least once (bars: share of those who "
          "reached it). <b>Stalled</b>: contacts that went 14 days or more without any touchpoint "
          "while in the stage — measured on the clock of the data, from touchpoint to touchpoint "
          "and from the last one to the newest touchpoint in the file, never on the wall clock. "
          "<b>Left</b>: contacts whose last touchpoint left them in the stage.</p>"
          "<p><b>Mind</b>: the mean value of each inferred state at the touchpoints in the stage, "
          "decayed to the touchpoint's time (a contact without the state counts as 0); darker "
          "is stronger. <b>Delivered</b>: content and tasks the engine decided, less those a goal "
          "cancelled before they were due. <b>Held back</b>: actions a rule wanted that a policy "
          "(suppression, cap, cooldown, max_actions) held back, by policy.</p></section>\n",
          out);
}

static int write_page(map_t *m, FILE *out) {
    map_flow_t *flow = calloc((size_t)m->stage_count, sizeof *flow);
    if (flow == NULL)
        return -1;
    count_flow(m, flow);
    if (m->mind.count > 1)
        qsort(m->mind.rows, (size_t)m->mind.count, sizeof *m->mind.rows, by_name);
    if (m->held.count > 1)
        qsort(m->held.rows, (size_t)m->held.count, sizeof *m->held.rows, by_total);
    html_begin(out, "Journey map", MAP_CSS);
    write_header(out, m);
    write_strip(out, m, flow);
    write_legend(out);
    fputs("<table class=\"map\">\n", out);
    write_head_row(out, m);
    fputs("<tbody>\n", out);
    write_flow_rows(out, m, flow);
    write_touch_rows(out, m);
    write_mind_rows(out, m);
    write_action_rows(out, m);
    fputs("</tbody></table>\n", out);
    write_note(out);
    html_end(out);
    free(flow);
    return 0;
}

/* ---- the command --------------------------------------------------------------------------- */

static void map_close(map_t *m) {
    strmap_close(&m->members, NULL);
    strmap_close(&m->contacts, free);
    strmap_close(&m->deliveries, free);
    tally_close(&m->types);
    tally_close(&m->mind);
    tally_close(&m->items);
    tally_close(&m->held);
    free(m->touches);
    free(m->cancelled);
}

static int run_passes(map_t *m) {
    offline_hooks_t hooks = {.after = classify, .ud = m, .is_quiet = 1, .facts_path = m->facts};
    offline_stats_t stats;
    if ((m->segment_fact || m->account) && offline_run(m->playbook, m->events, &hooks, &stats) != 0)
        return -1;
    hooks.after = map_step;
    hooks.is_quiet = 0;
    hooks.is_last = 1;
    if (offline_run(m->playbook, m->events, &hooks, &stats) != 0)
        return -1;
    if (stats.malformed > 0)
        fprintf(stderr, "nurture map: %ld malformed lines skipped\n", stats.malformed);
    return m->is_out_of_memory ? -1 : 0;
}

static int write_output(map_t *m) {
    int is_stdout = strcmp(m->output, "-") == 0;
    FILE *out = is_stdout ? stdout : fopen(m->output, "w");
    if (out == NULL) {
        perror(m->output);
        return -1;
    }
    int rc = write_page(m, out);
    if (ferror(out))
        rc = -1;
    if (!is_stdout && fclose(out) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "nurture map: could not write %s\n", m->output);
    return rc;
}

static int map_main(map_t *m) {
    nerr_t err;
    m->playbook = playbook_load(m->rules, &err);
    if (m->playbook == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    m->stage_count = playbook_stage_count(m->playbook);
    m->first_at_ms = INT64_MAX;
    m->touches = calloc((size_t)m->stage_count + 1, sizeof *m->touches);
    m->cancelled = calloc((size_t)m->stage_count + 1, sizeof *m->cancelled);
    int rc = 1;
    if (m->touches == NULL || m->cancelled == NULL)
        fputs("nurture map: out of memory\n", stderr);
    else if (run_passes(m) == 0 && write_output(m) == 0)
        rc = 0;
    if (rc == 0 && m->contact_count == 0)
        fprintf(stderr, "nurture map: no contact in %s matches\n", m->events);
    map_close(m);
    playbook_free(m->playbook);
    return rc;
}

int cmd_map(int argc, char **argv) {
    static const struct option options[] = {
        {"rules", required_argument, NULL, 'r'},   {"events", required_argument, NULL, 'e'},
        {"facts", required_argument, NULL, 'f'},   {"segment", required_argument, NULL, 's'},
        {"account", required_argument, NULL, 'a'}, {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    map_t m = {0};
    char *segment = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
        switch (opt) {
        case 'r': m.rules = optarg; break;
        case 'e': m.events = optarg; break;
        case 'f': m.facts = optarg; break;
        case 's': segment = optarg; break;
        case 'a': m.account = optarg; break;
        case 'o': m.output = optarg; break;
        default: return fputs(USAGE, stderr), 2;
        }
    }
    if (m.rules == NULL || m.events == NULL || m.output == NULL || optind != argc)
        return fputs(USAGE, stderr), 2;
    char *equals = segment ? strchr(segment, '=') : NULL;
    if (segment && (equals == NULL || equals == segment)) {
        fprintf(stderr, "nurture map: --segment wants FACT=VALUE, not '%s'\n", segment);
        return 2;
    }
    if ((segment || m.account) && strcmp(m.events, "-") == 0) {
        fputs("nurture map: --segment and --account read the events twice: give a file\n", stderr);
        return 2;
    }
    if (equals) {
        *equals = '\0';
        m.segment_fact = segment;
        m.segment_value = equals + 1;
    }
    return map_main(&m);
}
