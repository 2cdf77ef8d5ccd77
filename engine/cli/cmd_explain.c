/* explain: one contact's timeline, read by a person — each touchpoint, how it moved the
 * inferred mind and the stage (with the rules and their `because`), and each action it led
 * to. Offline over --rules and --events (the same loop as replay), or from the live state in
 * Redis with --redis. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/commands.h"
#include "engine/cli/offline.h"
#include "engine/core/clock.h"
#include "engine/shell/keys.h"
#include "engine/shell/redis_sync.h"

static const char USAGE[] =
    "usage: nurture explain --contact ID --rules DIR --events FILE\n"
    "       nurture explain --contact ID --redis URL [--prefix P] [--rules DIR]\n"
    "\n"
    "Prints the contact's timeline: every touchpoint, how it moved the inferred mind and the\n"
    "stage (rule and because), and the actions it led to, with their reasons. With --events it\n"
    "runs the playbook over the file as replay does; with --redis it shows the live state: the\n"
    "stored stage, facts, mind with its evidence, recent touchpoints and scheduled actions.\n";

#define SNAPSHOT_MAX 64 /* mind states remembered from before a touchpoint */

typedef struct {
    const char *contact_id;
    playbook_t *playbook;
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

static void snapshot(const event_t *event, const contact_t *contact, void *ud) {
    explain_t *x = ud;
    if (strcmp(event->contact, x->contact_id) != 0)
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
    const cJSON *because = cJSON_GetObjectItemCaseSensitive(a->reason, "because");
    if (a->kind == ACTION_TASK)
        printf("    action  TASK for %s \"%s\", due %s  [%s %s]\n", role->valuestring,
               title->valuestring, due, a->rule, a->id);
    else
        printf("    action  SEND %s \"%s\", due %s  [%s %s]\n", a->channel, title->valuestring,
               due, a->rule, a->id);
    printf("            because %s\n", because->valuestring);
    const cJSON *state;
    cJSON_ArrayForEach(state, cJSON_GetObjectItemCaseSensitive(a->reason, "states"))
        printf("            read %s = %.2f\n", state->string, state->valuedouble);
    const cJSON *fact;
    cJSON_ArrayForEach(fact, cJSON_GetObjectItemCaseSensitive(a->reason, "facts")) {
        char *value = cJSON_PrintUnformatted(fact);
        printf("            read fact %s = %s\n", fact->string, value ? value : "?");
        free(value);
    }
}

static void explain_step(const event_t *event, const contact_t *contact,
                         const decision_t *decision, void *ud) {
    explain_t *x = ud;
    if (strcmp(event->contact, x->contact_id) != 0)
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

static int explain_offline(const char *contact, const char *rules, const char *events) {
    nerr_t err;
    playbook_t *playbook = playbook_load(rules, &err);
    if (playbook == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    explain_t x = {.contact_id = contact, .playbook = playbook};
    offline_hooks_t hooks = {.before = snapshot, .after = explain_step, .ud = &x, .is_quiet = 1};
    offline_stats_t stats;
    printf("contact %s, playbook %s (version %s), events %s\n\n", contact, rules,
           playbook_version(playbook), events);
    int rc = offline_run(playbook, events, &hooks, &stats);
    printf("\n%ld touchpoints, %ld actions\n", x.touchpoints, x.actions);
    playbook_free(playbook);
    if (rc == 0 && x.touchpoints == 0) {
        fprintf(stderr, "nurture explain: no touchpoint of contact %s in %s\n", contact, events);
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
            printf("contact %s (live state)\n", contact);
            print_live_contact(&c, version);
            contact_close(&c);
            printf("scheduled actions:\n");
            rc = scheduled_print(redis, &keys, contact);
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
        {"prefix", required_argument, NULL, 'p'},  {NULL, 0, NULL, 0},
    };
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    const char *contact = NULL, *rules = NULL, *events = NULL, *redis = NULL, *prefix = "nurture";
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'c': contact = optarg; break;
        case 'r': rules = optarg; break;
        case 'e': events = optarg; break;
        case 'R': redis = optarg; break;
        case 'p': prefix = optarg; break;
        default: return fputs(USAGE, stderr), 2;
        }
    }
    if (contact == NULL || optind != argc || (redis == NULL) == (events == NULL) ||
        (events != NULL && rules == NULL))
        return fputs(USAGE, stderr), 2;
    return redis ? explain_live(contact, redis, prefix) : explain_offline(contact, rules, events);
}
