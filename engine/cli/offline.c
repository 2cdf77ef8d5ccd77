/* offline: contacts and seen event ids in hash maps, one event at a time. */
#include "engine/cli/offline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/strmap.h"

typedef struct {
    playbook_t *playbook;
    const offline_hooks_t *hooks;
    strmap_t contacts; /* id -> contact_t* */
    strmap_t seen;     /* event id -> (void *)1 */
    strmap_t facts;    /* contact id -> cJSON object of starting facts */
    strmap_t accounts; /* account id -> account_t* */
    event_spare_t spare; /* the last event's block, parsed into by the next */
    offline_stats_t *stats;
} offline_t;

/* The contacts, accounts and seen ids of the process's last run, left for its exit: freeing
 * them block by block took a tenth of a replay's time, and the exit takes the memory back at
 * once. Kept here so that leak checkers find them held, not lost (volatile: a store that
 * nothing reads would otherwise be left out). */
static volatile offline_t left_for_exit;

static void free_json(void *value) { cJSON_Delete(value); }

/* Reads the starting facts; returns 0, or -1 with the reason on stderr. */
static int load_facts(offline_t *o, const char *path) {
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        perror(path);
        return -1;
    }
    char *line = NULL;
    size_t room = 0;
    long number = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &room, in) >= 0) {
        number++;
        cJSON *facts = cJSON_Parse(line);
        cJSON *contact = cJSON_DetachItemFromObjectCaseSensitive(facts, "contact");
        if (!cJSON_IsObject(facts) || !cJSON_IsString(contact)) {
            if (line[strspn(line, " \t\r\n")] != '\0') {
                fprintf(stderr, "%s:%ld: not a JSON object with a \"contact\" string\n", path, number);
                rc = -1;
            }
            cJSON_Delete(facts);
        } else {
            cJSON_Delete(strmap_get(&o->facts, contact->valuestring));
            if (strmap_put(&o->facts, contact->valuestring, facts) != 0) {
                cJSON_Delete(facts);
                rc = -1;
            }
        }
        cJSON_Delete(contact);
    }
    free(line);
    fclose(in);
    return rc;
}

static void free_contact(void *value) {
    contact_close(value);
    free(value);
}

static void free_account(void *value) {
    account_close(value);
    free(value);
}

/* The account of the event's contact (as the engine derives it, from the event or the
 * account 'contact' has by now), created on first sight; NULL when there is none or memory
 * runs out ('*is_nomem' tells which). */
static account_t *account_for(offline_t *o, const event_t *event, const contact_t *contact,
                              int *is_nomem) {
    char id[EVENT_MAX_ID_BYTES + 1];
    *is_nomem = 0;
    if (!account_id_for(event, contact->account, id, sizeof id))
        return NULL;
    account_t *account = strmap_get(&o->accounts, id);
    if (account != NULL)
        return account;
    account = malloc(sizeof *account);
    if (account == NULL || account_init(account, id, NULL) != 0) {
        free(account);
        *is_nomem = 1;
        return NULL;
    }
    if (strmap_put(&o->accounts, id, account) != 0) {
        free_account(account);
        *is_nomem = 1;
        return NULL;
    }
    return account;
}

static contact_t *contact_for(offline_t *o, const char *id, nerr_t *err) {
    contact_t *contact = strmap_get(&o->contacts, id);
    if (contact != NULL)
        return contact;
    contact = malloc(sizeof *contact);
    if (contact == NULL || contact_init(contact, id, err) != 0) {
        free(contact);
        return NULL;
    }
    const cJSON *facts = strmap_get(&o->facts, id);
    if (facts != NULL) {
        contact_facts_changed(contact);
        cJSON_Delete(contact->facts);
        contact->facts = cJSON_Duplicate(facts, 1);
        if (contact->facts == NULL) {
            contact->facts = cJSON_CreateObject();
            free_contact(contact);
            return NULL;
        }
    }
    if (strmap_put(&o->contacts, id, contact) != 0) {
        free_contact(contact);
        return NULL;
    }
    return contact;
}

static void count_decision(offline_t *o, const decision_t *decision, const event_t *event) {
    o->stats->actions += decision->action_count;
    o->stats->rule_errors += decision->error_count;
    if (o->hooks->is_quiet)
        return;
    int shown = decision->error_count < DECIDE_MAX_ERRORS ? decision->error_count : DECIDE_MAX_ERRORS;
    for (int i = 0; i < shown; i++)
        fprintf(stderr, "rule error: %s (contact %s, event %s)\n", decision->errors[i].msg,
                event->contact, event->id);
}

/* Applies one line; returns 0, or -1 when memory runs out. */
static int apply_line(offline_t *o, const char *path, long line_number, const char *line,
                      size_t size) {
    event_t event;
    nerr_t err;
    if (event_parse_reusing(line, size, &event, &o->spare, &err) != 0) {
        if (!o->hooks->is_quiet)
            fprintf(stderr, "%s:%ld: %s\n", path, line_number, err.msg);
        o->stats->malformed++;
        return 0;
    }
    int rc = -1;
    o->stats->events++;
    void **seen = strmap_slot(&o->seen, event.id); /* a new id is marked once decided */
    if (seen == NULL)
        goto done;
    if (*seen != NULL) {
        o->stats->duplicates++;
        rc = 0;
        goto done;
    }
    if (o->hooks->before)
        o->hooks->before(&event, strmap_get(&o->contacts, event.contact), o->hooks->ud);
    contact_t *contact = contact_for(o, event.contact, &err);
    if (contact == NULL)
        goto done;
    int is_nomem;
    account_t *account = account_for(o, &event, contact, &is_nomem);
    if (is_nomem)
        goto done;
    *seen = (void *)1;
    decision_t decision;
    if (decide_account(o->playbook, contact, account, &event, &decision, &err) == 0) {
        count_decision(o, &decision, &event);
        if (o->hooks->after)
            o->hooks->after(&event, contact, &decision, o->hooks->ud);
        rc = 0;
    }
    decision_close(&decision);
done:
    event_close_keeping(&event, &o->spare);
    return rc;
}

static int run_file(offline_t *o, const char *path, FILE *in) {
    char *line = NULL;
    size_t room = 0;
    ssize_t size;
    long line_number = 0;
    int rc = 0;
    while (rc == 0 && (size = getline(&line, &room, in)) >= 0) {
        line_number++;
        while (size > 0 && (line[size - 1] == '\n' || line[size - 1] == '\r'))
            line[--size] = '\0';
        if (size > 0)
            rc = apply_line(o, path, line_number, line, (size_t)size);
    }
    free(line);
    if (rc != 0)
        fprintf(stderr, "%s:%ld: out of memory\n", path, line_number);
    return rc;
}

int offline_run(playbook_t *playbook, const char *path, const offline_hooks_t *hooks,
                offline_stats_t *stats) {
    memset(stats, 0, sizeof *stats);
    offline_t o = {.playbook = playbook, .hooks = hooks, .stats = stats};
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (in == NULL) {
        perror(path);
        return -1;
    }
    strmap_init(&o.contacts);
    strmap_init(&o.seen);
    strmap_init(&o.facts);
    strmap_init(&o.accounts);
    int rc = hooks->facts_path ? load_facts(&o, hooks->facts_path) : 0;
    if (rc == 0)
        rc = run_file(&o, path, in);
    stats->contacts = (long)o.contacts.count;
    event_spare_free(&o.spare);
    if (hooks->is_last) {
        left_for_exit = o;
    } else {
        strmap_close(&o.contacts, free_contact);
        strmap_close(&o.seen, NULL);
        strmap_close(&o.facts, free_json);
        strmap_close(&o.accounts, free_account);
    }
    if (in != stdin)
        fclose(in);
    return rc;
}
