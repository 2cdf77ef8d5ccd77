/* explain: one contact's timeline, read by a person — each touchpoint, how it moved the
 * inferred mind and the stage (with the rules and their `because`), and each action it led
 * to. Offline over --rules and --events (the same loop as replay), or from the live state in
 * Redis with --redis. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/commands.h"
#include "engine/cli/html.h"
#include "engine/cli/offline.h"
#include "engine/core/clock.h"
#include "engine/shell/keys.h"
#include "engine/shell/redis_sync.h"

static const char USAGE[] =
    "usage: nurture explain --contact ID --rules DIR --events FILE\n"
    "       nurture explain --contact ID --redis URL [--prefix P] [--rules DIR]\n"
    "       nurture explain --html [-o FILE] (--contact ID | --account ID) --rules DIR --events FILE\n"
    "\n"
    "Prints the contact's timeline: every touchpoint, how it moved the inferred mind and the\n"
    "stage (rule and because), and the actions it led to, with their reasons. With --events it\n"
    "runs the playbook over the file as replay does; with --redis it shows the live state: the\n"
    "stored stage, facts, mind with its evidence, recent touchpoints and scheduled actions.\n"
    "With --html it writes the same timeline as one self-contained HTML page (to FILE, or to\n"
    "standard output): a vertical timeline in stage bands with the mind changes, actions, and\n"
    "held and cancelled items; --account ID shows all the contacts of one account together.\n";

#define SNAPSHOT_MAX 64 /* mind states remembered from before a touchpoint */

typedef struct {
    const char *contact_id;
    const char *account_id; /* --html --account: every contact of this account */
    playbook_t *playbook;
    FILE *html;             /* --html: the page being written, else NULL */
    int is_followed;        /* the event at hand belongs to the contact (or account) shown */
    int band;               /* the stage band open on the page, -1 before the first */
    char stage_before[128];
    struct {
        char name[64];
        double value;
    } mind_before[SNAPSHOT_MAX];
    int mind_count;
    long touchpoints, actions;
} explain_t;

static double value_before(const explain_t *x, const char *name) {
    for (int i = 0; i < x->mind_count; i++)
        if (strcmp(x->mind_before[i].name, name) == 0)
            return x->mind_before[i].value;
    return 0.0;
}

static const char *stage_of(const playbook_t *pb, const contact_t *contact) {
    return contact && contact->stage ? contact->stage : playbook_stage(pb, 0);
}

/* Returns 1 when 'event' belongs to the contact, or the account, being explained. */
static int is_followed(const explain_t *x, const event_t *event, const contact_t *contact) {
    if (x->account_id == NULL)
        return strcmp(event->contact, x->contact_id) == 0;
    char id[EVENT_MAX_ID_BYTES + 1];
    return account_id_for(event, contact ? contact->account : NULL, id, sizeof id) &&
           strcmp(id, x->account_id) == 0;
}

static void snapshot(const event_t *event, const contact_t *contact, void *ud) {
    explain_t *x = ud;
    x->is_followed = is_followed(x, event, contact);
    if (!x->is_followed)
        return;
    snprintf(x->stage_before, sizeof x->stage_before, "%s", stage_of(x->playbook, contact));
    x->mind_count = 0;
    for (int i = 0; contact && i < contact->mind.count && i < SNAPSHOT_MAX; i++) {
        const char *name = contact->mind.states[i].name;
        snprintf(x->mind_before[i].name, sizeof x->mind_before[i].name, "%s", name);
        x->mind_before[i].value = mind_value(&contact->mind, name, event->at_ms,
                                             playbook_half_life_ms(x->playbook, name));
        x->mind_count++;
    }
}

static void print_touchpoint(const event_t *event) {
    char when[CLOCK_ISO_MAX];
    clock_format_iso(event->at_ms, when, sizeof when);
    char *props = event->props ? cJSON_PrintUnformatted(event->props) : NULL;
    printf("%s  %s  (%s%s%s)  %s\n", when, event->type, event->id,
           event->source ? " from " : "", event->source ? event->source : "", props ? props : "");
    free(props);
}

/* Prints the states this touchpoint moved: before -> after, and the rules that did it. */
static void print_mind_moves(const explain_t *x, const event_t *event, const contact_t *contact) {
    for (int i = 0; i < contact->mind.count; i++) {
        const mind_state_t *state = &contact->mind.states[i];
        for (int k = 0; k < state->evidence_count; k++) {
            const mind_evidence_t *e = &state->evidence[k];
            if (strcmp(e->event_id, event->id) != 0)
                continue;
            const rule_t *rule = playbook_find_rule(x->playbook, e->rule);
            printf("    mind    %s %+.2f by %s: %s\n", state->name, e->delta, e->rule,
                   rule && rule->because ? rule->because : "");
        }
        double before = value_before(x, state->name);
        double after = mind_value(&contact->mind, state->name, event->at_ms,
                                  playbook_half_life_ms(x->playbook, state->name));
        for (int k = 0; k < state->evidence_count; k++)
            if (strcmp(state->evidence[k].event_id, event->id) == 0) {
                printf("            %s %.2f -> %.2f\n", state->name, before, after);
                break;
            }
    }
}

static void print_action(const action_t *a) {
    char due[CLOCK_ISO_MAX];
    clock_format_iso(a->due_ms, due, sizeof due);
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(a->target, "title");
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(a->target, "role");
    cJSON *reason = cJSON_Parse(a->reason);
    const cJSON *because = cJSON_GetObjectItemCaseSensitive(reason, "because");
    if (a->kind == ACTION_TASK)
        printf("    action  TASK for %s \"%s\", due %s  [%s %s]\n", role->valuestring,
               title->valuestring, due, a->rule, a->id);
    else
        printf("    action  SEND %s \"%s\", due %s  [%s %s]\n", a->channel, title->valuestring,
               due, a->rule, a->id);
    printf("            because %s\n", cJSON_IsString(because) ? because->valuestring : "?");
    const cJSON *state;
    cJSON_ArrayForEach(state, cJSON_GetObjectItemCaseSensitive(reason, "states"))
        printf("            read %s = %.2f\n", state->string, state->valuedouble);
    const cJSON *fact;
    cJSON_ArrayForEach(fact, cJSON_GetObjectItemCaseSensitive(reason, "facts")) {
        char *value = cJSON_PrintUnformatted(fact);
        printf("            read fact %s = %s\n", fact->string, value ? value : "?");
        free(value);
    }
    cJSON_Delete(reason);
}

static void explain_step(const event_t *event, const contact_t *contact,
                         const decision_t *decision, void *ud) {
    explain_t *x = ud;
    if (!x->is_followed)
        return;
    x->touchpoints++;
    print_touchpoint(event);
    print_mind_moves(x, event, contact);
    for (int i = 0; i < decision->move_count; i++) {
        const rule_t *rule = decision->moves[i];
        printf("    stage   %s -> %s by %s%s%s\n", i == 0 ? x->stage_before : decision->moves[i - 1]->to_stage,
               rule->to_stage, rule->name, rule->because ? ": " : "", rule->because ? rule->because : "");
    }
    for (int i = 0; i < decision->action_count; i++)
        print_action(&decision->actions[i]);
    x->actions += decision->action_count;
    int held = decision->held_count < DECIDE_MAX_HELD ? decision->held_count : DECIDE_MAX_HELD;
    for (int i = 0; i < held; i++) {
        const decision_held_t *h = &decision->held[i];
        char due[CLOCK_ISO_MAX];
        clock_format_iso(h->due_ms, due, sizeof due);
        printf("    held    %s on %s, due %s  [%s %s]: held back by %s%s%s\n", h->target, h->channel,
               due, h->rule->name, h->id, h->policy, h->winner[0] ? ", in favour of " : "", h->winner);
    }
    for (int i = 0; i < decision->cancelled_count; i++) {
        const decision_cancelled_t *c = &decision->cancelled[i];
        printf("    cancel  %s on %s [%s]: goal %s reached%s%s\n", c->target, c->channel, c->id,
               c->goal->name, c->goal->because ? ": " : "", c->goal->because ? c->goal->because : "");
    }
    if (decision->suppressed_by)
        printf("    paused  content is held while %s holds%s%s\n", decision->suppressed_by->name,
               decision->suppressed_by->because ? ": " : "",
               decision->suppressed_by->because ? decision->suppressed_by->because : "");
    int shown = decision->error_count < DECIDE_MAX_ERRORS ? decision->error_count : DECIDE_MAX_ERRORS;
    for (int i = 0; i < shown; i++)
        printf("    error   %s\n", decision->errors[i].msg);
}

/* ---- the timeline as HTML (--html) -------------------------------------------------------- */

static const char TIMELINE_CSS[] =
    ".tl{list-style:none;margin:0;padding:0;max-width:1100px}"
    ".band{margin:14px 0 4px;padding:4px 10px;border-radius:4px;color:#fff;font-weight:600;"
    "break-after:avoid}.band small{font-weight:400;opacity:.85;margin-left:8px}"
    ".tp{position:relative;margin:0 0 0 14px;padding:6px 10px 8px 18px;border-left:4px solid "
    "var(--c);break-inside:avoid}"
    ".tp:before{content:'';position:absolute;left:-9px;top:10px;width:12px;height:12px;"
    "border-radius:50%;background:#fff;border:3px solid var(--c)}"
    ".when{color:#5b6475;font-variant-numeric:tabular-nums;font-size:12px}"
    ".what{font-weight:600}.props{color:#5b6475;font-size:12px;overflow-wrap:anywhere}"
    ".item{margin:3px 0 0;padding:3px 8px;border-radius:4px;font-size:12.5px}"
    ".mind{background:#eef3fb}.stage{background:#e6f4ea}.act{background:#fff4e0}"
    ".held{background:#fdecec}.cancel{background:#f1f1f4;color:#5b6475}"
    ".err{background:#fde2e2;color:#9b1c1c}"
    ".tag{display:inline-block;min-width:58px;font-size:11px;font-weight:700;letter-spacing:.03em;"
    "text-transform:uppercase;color:#3b4456}"
    ".m{display:inline-block;width:80px;height:8px;background:#e3e8f0;vertical-align:middle;"
    "position:relative;margin:0 4px}.m i{position:absolute;left:0;top:0;height:8px}"
    ".why{color:#3b4456}.reads{color:#5b6475;font-size:11.5px}";

static const char *const BAND_COLORS[] = {"#1f3a68", "#2f6690", "#3a7d44", "#7b8b2a",
                                          "#b7791f", "#c05621", "#9b2c2c", "#6b46c1",
                                          "#2c7a7b", "#4a5568"};

static const char *stage_color(const playbook_t *pb, const char *stage) {
    int n = (int)(sizeof BAND_COLORS / sizeof BAND_COLORS[0]);
    for (int i = 0; i < playbook_stage_count(pb); i++)
        if (strcmp(playbook_stage(pb, i), stage) == 0)
            return BAND_COLORS[i % n];
    return BAND_COLORS[n - 1];
}

static int stage_number(const playbook_t *pb, const char *stage) {
    for (int i = 0; i < playbook_stage_count(pb); i++)
        if (strcmp(playbook_stage(pb, i), stage) == 0)
            return i;
    return -1;
}

/* Opens a band when the touchpoint leaves the contact in another stage than the last one. */
static void html_band(explain_t *x, const char *stage) {
    int number = stage_number(x->playbook, stage);
    if (x->band != -1 && number == x->band)
        return;
    x->band = number;
    fprintf(x->html, "<li class=\"band\" style=\"background:%s\">", stage_color(x->playbook, stage));
    html_escape(x->html, stage);
    fprintf(x->html, "<small>stage %d of %d</small></li>\n", number + 1,
            playbook_stage_count(x->playbook));
}

static void html_meter(FILE *out, double value, const char *color) {
    fprintf(out, "<span class=\"m\"><i style=\"width:%.0f%%;background:%s\"></i></span>",
            100.0 * (value < 0 ? 0 : value > 1 ? 1 : value), color);
}

static void html_mind(const explain_t *x, const event_t *event, const contact_t *contact) {
    FILE *out = x->html;
    for (int i = 0; i < contact->mind.count; i++) {
        const mind_state_t *state = &contact->mind.states[i];
        for (int k = 0; k < state->evidence_count; k++) {
            const mind_evidence_t *e = &state->evidence[k];
            if (strcmp(e->event_id, event->id) != 0)
                continue;
            const rule_t *rule = playbook_find_rule(x->playbook, e->rule);
            double before = value_before(x, state->name);
            double after = mind_value(&contact->mind, state->name, event->at_ms,
                                      playbook_half_life_ms(x->playbook, state->name));
            fputs("<div class=\"item mind\"><span class=\"tag\">mind</span><b>", out);
            html_escape(out, state->name);
            fputs("</b>", out);
            html_meter(out, before, "#9fb3d1");
            fprintf(out, "%.2f &rarr; %.2f", before, after);
            html_meter(out, after, "#0b3d91");
            fprintf(out, "(%+.2f by <code>", e->delta);
            html_escape(out, e->rule);
            fputs("</code>)", out);
            if (rule && rule->because) {
                fputs("<div class=\"why\">", out);
                html_escape(out, rule->because);
                fputs("</div>", out);
            }
            fputs("</div>\n", out);
        }
    }
}

static void html_moves(const explain_t *x, const decision_t *d) {
    for (int i = 0; i < d->move_count; i++) {
        const rule_t *rule = d->moves[i];
        fputs("<div class=\"item stage\"><span class=\"tag\">stage</span>", x->html);
        html_escape(x->html, i == 0 ? x->stage_before : d->moves[i - 1]->to_stage);
        fputs(" &rarr; <b>", x->html);
        html_escape(x->html, rule->to_stage);
        fputs("</b> by <code>", x->html);
        html_escape(x->html, rule->name);
        fputs("</code>", x->html);
        if (rule->because) {
            fputs("<div class=\"why\">", x->html);
            html_escape(x->html, rule->because);
            fputs("</div>", x->html);
        }
        fputs("</div>\n", x->html);
    }
}

static void html_reads(FILE *out, const cJSON *reason) {
    const cJSON *item;
    int n = 0;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(reason, "states")) {
        fputs(n++ ? ", " : "<div class=\"reads\">read ", out);
        html_escape(out, item->string);
        fprintf(out, " = %.2f", item->valuedouble);
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(reason, "facts")) {
        char *value = cJSON_PrintUnformatted(item);
        fputs(n++ ? ", " : "<div class=\"reads\">read ", out);
        fputs("fact ", out);
        html_escape(out, item->string);
        fputs(" = ", out);
        html_escape(out, value ? value : "?");
        free(value);
    }
    if (n > 0)
        fputs("</div>", out);
}

static void html_action(FILE *out, const action_t *a) {
    char due[CLOCK_ISO_MAX];
    clock_format_iso(a->due_ms, due, sizeof due);
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(a->target, "title");
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(a->target, "role");
    cJSON *reason = cJSON_Parse(a->reason);
    const cJSON *because = cJSON_GetObjectItemCaseSensitive(reason, "because");
    fputs("<div class=\"item act\"><span class=\"tag\">", out);
    if (a->kind == ACTION_TASK) {
        fputs("task</span>for ", out);
        html_escape(out, cJSON_IsString(role) ? role->valuestring : "?");
    } else {
        fputs("send</span>", out);
        html_escape(out, a->channel);
    }
    fputs(" <b>&ldquo;", out);
    html_escape(out, cJSON_IsString(title) ? title->valuestring : "");
    fprintf(out, "&rdquo;</b>, due %s <span class=\"muted\">[<code>", due);
    html_escape(out, a->rule);
    fprintf(out, "</code> %s]</span>", a->id);
    if (cJSON_IsString(because)) {
        fputs("<div class=\"why\">because ", out);
        html_escape(out, because->valuestring);
        fputs("</div>", out);
    }
    html_reads(out, reason);
    fputs("</div>\n", out);
    cJSON_Delete(reason);
}

static void html_held(FILE *out, const decision_held_t *h) {
    char due[CLOCK_ISO_MAX];
    clock_format_iso(h->due_ms, due, sizeof due);
    fputs("<div class=\"item held\"><span class=\"tag\">held</span>", out);
    html_escape(out, h->target);
    fputs(" on ", out);
    html_escape(out, h->channel);
    fprintf(out, ", due %s <span class=\"muted\">[<code>", due);
    html_escape(out, h->rule->name);
    fprintf(out, "</code> %s]</span>: held back by <b>", h->id);
    html_escape(out, h->policy);
    fputs("</b>", out);
    if (h->winner[0]) {
        fputs(", in favour of ", out);
        html_escape(out, h->winner);
    }
    fputs("</div>\n", out);
}

static void html_cancelled(FILE *out, const decision_cancelled_t *c) {
    fputs("<div class=\"item cancel\"><span class=\"tag\">cancel</span>", out);
    html_escape(out, c->target);
    fputs(" on ", out);
    html_escape(out, c->channel);
    fprintf(out, " [%s]: goal <b>", c->id);
    html_escape(out, c->goal->name);
    fputs("</b> reached", out);
    if (c->goal->because) {
        fputs(": ", out);
        html_escape(out, c->goal->because);
    }
    fputs("</div>\n", out);
}

static void html_touchpoint(explain_t *x, const event_t *event, const contact_t *contact) {
    FILE *out = x->html;
    const char *stage = stage_of(x->playbook, contact);
    char when[CLOCK_ISO_MAX];
    clock_format_iso(event->at_ms, when, sizeof when);
    html_band(x, stage);
    fprintf(out, "<li class=\"tp\" style=\"--c:%s\"><div class=\"when\">%s</div>"
                 "<div><span class=\"what\">", stage_color(x->playbook, stage), when);
    html_escape(out, event->type);
    fputs("</span> <span class=\"muted\">(", out);
    html_escape(out, event->id);
    if (event->source) {
        fputs(" from ", out);
        html_escape(out, event->source);
    }
    fputs(")</span>", out);
    if (x->account_id) {
        fputs(" &middot; <b>", out);
        html_escape(out, event->contact);
        fputs("</b>", out);
    }
    fputs("</div>", out);
    char *props = event->props ? cJSON_PrintUnformatted(event->props) : NULL;
    if (props) {
        fputs("<div class=\"props\">", out);
        html_escape(out, props);
        fputs("</div>", out);
    }
    free(props);
}

static void html_step(const event_t *event, const contact_t *contact, const decision_t *decision,
                      void *ud) {
    explain_t *x = ud;
    if (!x->is_followed)
        return;
    x->touchpoints++;
    x->actions += decision->action_count;
    html_touchpoint(x, event, contact);
    html_mind(x, event, contact);
    html_moves(x, decision);
    for (int i = 0; i < decision->action_count; i++)
        html_action(x->html, &decision->actions[i]);
    int held = decision->held_count < DECIDE_MAX_HELD ? decision->held_count : DECIDE_MAX_HELD;
    for (int i = 0; i < held; i++)
        html_held(x->html, &decision->held[i]);
    for (int i = 0; i < decision->cancelled_count && i < DECIDE_MAX_CANCELLED; i++)
        html_cancelled(x->html, &decision->cancelled[i]);
    if (decision->suppressed_by) {
        fputs("<div class=\"item held\"><span class=\"tag\">paused</span>content is held while <b>",
              x->html);
        html_escape(x->html, decision->suppressed_by->name);
        fputs("</b> holds", x->html);
        if (decision->suppressed_by->because) {
            fputs(": ", x->html);
            html_escape(x->html, decision->suppressed_by->because);
        }
        fputs("</div>\n", x->html);
    }
    int shown = decision->error_count < DECIDE_MAX_ERRORS ? decision->error_count : DECIDE_MAX_ERRORS;
    for (int i = 0; i < shown; i++) {
        fputs("<div class=\"item err\"><span class=\"tag\">error</span>", x->html);
        html_escape(x->html, decision->errors[i].msg);
        fputs("</div>\n", x->html);
    }
    fputs("</li>\n", x->html);
}

static void html_header(const explain_t *x, const char *rules, const char *events) {
    FILE *out = x->html;
    html_begin(out, x->account_id ? "Account timeline" : "Contact timeline", TIMELINE_CSS);
    fputs(x->account_id ? "<h1>Account timeline: " : "<h1>Contact timeline: ", out);
    html_escape(out, x->account_id ? x->account_id : x->contact_id);
    fputs("</h1>\n<p class=\"meta\">Playbook <b>", out);
    html_escape(out, rules);
    fputs("</b> (version <code>", out);
    html_escape(out, playbook_version(x->playbook));
    fputs("</code>), events <b>", out);
    html_escape(out, events);
    fputs("</b>. Every touchpoint in order, in bands of the stage it left the contact in: how "
          "it moved the inferred mind and the stage, and what the engine decided — actions sent "
          "or assigned, held back by a policy, or cancelled by a goal — with the rules and their "
          "reasons.</p>\n<ol class=\"tl\">\n",
          out);
}

/* Writes the offline timeline of 'x' as HTML to 'path' ("-": standard output). */
static int explain_html(explain_t *x, const char *rules, const char *events, const char *path) {
    int is_stdout = path == NULL || strcmp(path, "-") == 0;
    x->html = is_stdout ? stdout : fopen(path, "w");
    if (x->html == NULL) {
        perror(path);
        return -1;
    }
    x->band = -1;
    html_header(x, rules, events);
    offline_hooks_t hooks = {.before = snapshot, .after = html_step, .ud = x, .is_quiet = 1};
    offline_stats_t stats;
    int rc = offline_run(x->playbook, events, &hooks, &stats);
    fprintf(x->html, "</ol>\n<p class=\"meta\"><b>%ld</b> touchpoints, <b>%ld</b> actions</p>\n",
            x->touchpoints, x->actions);
    html_end(x->html);
    if (ferror(x->html) || (!is_stdout && fclose(x->html) != 0)) {
        fprintf(stderr, "nurture explain: could not write %s\n", path);
        rc = -1;
    }
    return rc;
}

/* The offline timeline: as text, or as HTML when 'html_path' is set ("-": stdout). */
static int explain_offline(const char *contact, const char *account, const char *rules,
                           const char *events, const char *html_path) {
    nerr_t err;
    playbook_t *playbook = playbook_load(rules, &err);
    if (playbook == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    explain_t x = {.contact_id = contact, .account_id = account, .playbook = playbook};
    int rc;
    if (html_path) {
        rc = explain_html(&x, rules, events, html_path);
    } else {
        offline_hooks_t hooks = {.before = snapshot, .after = explain_step, .ud = &x, .is_quiet = 1};
        offline_stats_t stats;
        printf("contact %s, playbook %s (version %s), events %s\n\n", contact, rules,
               playbook_version(playbook), events);
        rc = offline_run(playbook, events, &hooks, &stats);
        printf("\n%ld touchpoints, %ld actions\n", x.touchpoints, x.actions);
    }
    playbook_free(playbook);
    if (rc == 0 && x.touchpoints == 0) {
        fprintf(stderr, "nurture explain: no touchpoint of %s %s in %s\n",
                account ? "account" : "contact", account ? account : contact, events);
        return 1;
    }
    return rc == 0 ? 0 : 1;
}

/* ---- live state ------------------------------------------------------------------------- */

static void print_live_contact(const contact_t *c, int64_t version) {
    char *facts = cJSON_PrintUnformatted(c->facts);
    printf("stage   %s\nversion %lld\naccount %s\nfacts   %s\n", c->stage ? c->stage : "(first stage)",
           (long long)version, c->account ? c->account : "-", facts ? facts : "{}");
    free(facts);
    printf("mind (as last updated; decays with each state's half-life):\n");
    for (int i = 0; i < c->mind.count; i++) {
        const mind_state_t *s = &c->mind.states[i];
        char when[CLOCK_ISO_MAX];
        clock_format_iso(s->updated_ms, when, sizeof when);
        printf("  %-20s %.2f at %s\n", s->name, s->value, when);
        for (int k = 0; k < s->evidence_count; k++)
            printf("      %+.2f by %s on %s\n", s->evidence[k].delta, s->evidence[k].rule,
                   s->evidence[k].event_id);
    }
    printf("recent touchpoints:\n");
    for (int i = 0; i < c->history_count; i++) {
        char when[CLOCK_ISO_MAX];
        clock_format_iso(c->history[i].at_ms, when, sizeof when);
        printf("  %s  %s  (%s)\n", when, c->history[i].type, c->history[i].event_id);
    }
}

/* Reads the stored history rows of 'contact' into 'c'. Returns 0, or 1 after saying why. */
static int restore_live_history(redisContext *redis, const keys_t *keys, const char *contact,
                                contact_t *c) {
    char key[KEYS_KEY_MAX];
    keys_history(keys, contact, key, sizeof key);
    redisReply *reply = redisCommand(redis, "GET %s", key);
    nerr_t err;
    int rc = 1;
    if (reply == NULL || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL))
        fprintf(stderr, "nurture explain: GET: %s\n", reply ? "unexpected reply" : redis->errstr);
    else if (reply->type == REDIS_REPLY_STRING &&
             contact_restore_history(c, reply->str, reply->len, &err) != 0)
        fprintf(stderr, "nurture explain: %s\n", err.msg);
    else
        rc = 0;
    freeReplyObject(reply);
    return rc;
}

static int explain_live(const char *contact, const char *url, const char *prefix) {
    nerr_t err;
    redisContext *redis = redis_sync_connect_url(url, &err);
    if (redis == NULL) {
        fprintf(stderr, "nurture explain: %s\n", err.msg);
        return 1;
    }
    keys_t keys;
    keys_init(&keys, prefix);
    char key[KEYS_KEY_MAX];
    keys_contact(&keys, contact, key, sizeof key);
    redisReply *reply = redisCommand(redis, "HMGET %s ver state", key);
    int rc = 1;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        fprintf(stderr, "nurture explain: HMGET: %s\n", reply ? "unexpected reply" : redis->errstr);
    } else if (reply->element[1]->type != REDIS_REPLY_STRING) {
        fprintf(stderr, "nurture explain: no stored state for contact %s\n", contact);
    } else {
        contact_t c;
        int64_t version = strtoll(reply->element[0]->str, NULL, 10);
        if (contact_from_json(&c, contact, reply->element[1]->str, reply->element[1]->len,
                              version, &err) != 0) {
            fprintf(stderr, "nurture explain: %s\n", err.msg);
        } else {
            /* A state from before the rows had a list carries them itself. */
            if (c.history_log.replace || restore_live_history(redis, &keys, contact, &c) == 0) {
                printf("contact %s (live state)\n", contact);
                print_live_contact(&c, version);
                printf("scheduled actions:\n");
                rc = scheduled_print(redis, &keys, contact);
            }
            contact_close(&c);
        }
    }
    freeReplyObject(reply);
    redisFree(redis);
    return rc;
}

int cmd_explain(int argc, char **argv) {
    static const struct option options[] = {
        {"contact", required_argument, NULL, 'c'}, {"rules", required_argument, NULL, 'r'},
        {"events", required_argument, NULL, 'e'},  {"redis", required_argument, NULL, 'R'},
        {"prefix", required_argument, NULL, 'p'},  {"html", no_argument, NULL, 'H'},
        {"account", required_argument, NULL, 'a'}, {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    const char *contact = NULL, *rules = NULL, *events = NULL, *redis = NULL, *prefix = "nurture";
    const char *account = NULL, *output = NULL;
    int is_html = 0;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
        switch (opt) {
        case 'c': contact = optarg; break;
        case 'r': rules = optarg; break;
        case 'e': events = optarg; break;
        case 'R': redis = optarg; break;
        case 'p': prefix = optarg; break;
        case 'H': is_html = 1; break;
        case 'a': account = optarg; break;
        case 'o': output = optarg; break;
        default: return fputs(USAGE, stderr), 2;
        }
    }
    if ((contact == NULL) == (account == NULL) || optind != argc ||
        (redis == NULL) == (events == NULL) || (events != NULL && rules == NULL))
        return fputs(USAGE, stderr), 2;
    if (!is_html && (account != NULL || output != NULL)) {
        fputs("nurture explain: --account and -o go with --html\n", stderr);
        return 2;
    }
    if (is_html && redis != NULL) {
        fputs("nurture explain: --html explains the events of a file (--events), not --redis\n",
              stderr);
        return 2;
    }
    if (redis)
        return explain_live(contact, redis, prefix);
    return explain_offline(contact, account, rules, events, is_html ? (output ? output : "-") : NULL);
}
