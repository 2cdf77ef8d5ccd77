/* batch: grouping and deciding a batch of entries. */
#include "engine/core/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void batch_init(batch_t *batch) {
    memset(batch, 0, sizeof *batch);
    strmap_init(&batch->by_contact);
    strmap_init(&batch->by_account);
}

static void free_strings(char **list, int count) {
    for (int i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

static void contact_slot_close(batch_contact_t *c) {
    free_strings(c->records, c->record_count);
    free_strings(c->record_labels, c->label_count);
    free_strings(c->cancelled_ids, c->cancelled_count);
    for (int i = 0; i < c->action_count; i++) {
        free(c->action_ids[i]);
        free(c->action_json[i]);
    }
    free(c->action_ids);
    free(c->action_json);
    free(c->action_due_ms);
    free(c->state_json);
    free(c->account_indexes);
    free(c->id);
    contact_close(&c->contact);
}

void batch_close(batch_t *batch) {
    for (int i = 0; i < batch->entry_count; i++) {
        free(batch->entries[i].entry_id);
        free(batch->entries[i].raw);
        event_close(&batch->entries[i].event);
    }
    for (int i = 0; i < batch->contact_count; i++)
        contact_slot_close(&batch->contacts[i]);
    for (int i = 0; i < batch->account_count; i++) {
        free(batch->accounts[i].id);
        free(batch->accounts[i].state_json);
        account_close(&batch->accounts[i].account);
    }
    free(batch->entries);
    free(batch->contacts);
    free(batch->accounts);
    strmap_close(&batch->by_contact, NULL);
    strmap_close(&batch->by_account, NULL);
    batch_init(batch);
}

/* Returns the index of the contact slot for 'id', creating it; -1 when out of memory. */
static int contact_slot(batch_t *batch, const char *id) {
    uintptr_t found = (uintptr_t)strmap_get(&batch->by_contact, id);
    if (found)
        return (int)found - 1;
    if (batch->contact_count == batch->contact_capacity) {
        int capacity = batch->contact_capacity ? batch->contact_capacity * 2 : 16;
        batch_contact_t *grown = realloc(batch->contacts, (size_t)capacity * sizeof *grown);
        if (grown == NULL)
            return -1;
        batch->contacts = grown;
        batch->contact_capacity = capacity;
    }
    batch_contact_t *c = &batch->contacts[batch->contact_count];
    memset(c, 0, sizeof *c);
    c->id = strdup(id);
    if (c->id == NULL || contact_init(&c->contact, id, NULL) != 0) {
        free(c->id);
        return -1;
    }
    int index = batch->contact_count;
    if (strmap_put(&batch->by_contact, id, (void *)(uintptr_t)(index + 1)) != 0) {
        contact_slot_close(c);
        return -1;
    }
    batch->contact_count++;
    return index;
}

/* Returns the index of the account slot for 'id', creating it; -1 when out of memory. */
static int account_slot(batch_t *batch, const char *id) {
    uintptr_t found = (uintptr_t)strmap_get(&batch->by_account, id);
    if (found)
        return (int)found - 1;
    if (batch->account_count == batch->account_capacity) {
        int capacity = batch->account_capacity ? batch->account_capacity * 2 : 8;
        batch_account_t *grown = realloc(batch->accounts, (size_t)capacity * sizeof *grown);
        if (grown == NULL)
            return -1;
        batch->accounts = grown;
        batch->account_capacity = capacity;
    }
    batch_account_t *a = &batch->accounts[batch->account_count];
    memset(a, 0, sizeof *a);
    a->id = strdup(id);
    if (a->id == NULL || account_init(&a->account, id, NULL) != 0) {
        free(a->id);
        return -1;
    }
    int index = batch->account_count;
    if (strmap_put(&batch->by_account, id, (void *)(uintptr_t)(index + 1)) != 0) {
        free(a->id);
        account_close(&a->account);
        return -1;
    }
    batch->account_count++;
    return index;
}

int batch_add(batch_t *batch, const char *entry_id, const char *raw, size_t size, nerr_t *err) {
    if (batch->entry_count == batch->entry_capacity) {
        int capacity = batch->entry_capacity ? batch->entry_capacity * 2 : 64;
        batch_entry_t *grown = realloc(batch->entries, (size_t)capacity * sizeof *grown);
        if (grown == NULL)
            goto nomem;
        batch->entries = grown;
        batch->entry_capacity = capacity;
    }
    batch_entry_t *e = &batch->entries[batch->entry_count];
    memset(e, 0, sizeof *e);
    e->contact_index = e->account_index = -1;
    e->entry_id = strdup(entry_id);
    e->raw = raw ? malloc(size + 1) : NULL;
    if (e->entry_id == NULL || (raw && e->raw == NULL)) {
        free(e->entry_id);
        free(e->raw);
        goto nomem;
    }
    batch->entry_count++;
    if (raw == NULL) {
        snprintf(e->reason, sizeof e->reason, "entry has no \"event\" field");
        return 0;
    }
    memcpy(e->raw, raw, size);
    e->raw[size] = '\0';
    e->raw_size = size;
    nerr_t parse_err;
    if (event_parse(e->raw, size, &e->event, &parse_err) != 0) {
        snprintf(e->reason, sizeof e->reason, "%s", parse_err.msg);
        return 0;
    }
    e->is_valid = 1;
    if ((e->contact_index = contact_slot(batch, e->event.contact)) < 0)
        goto nomem;
    /* An event without an account takes its contact's, known with the contact's state. */
    if (e->event.account && (e->account_index = account_slot(batch, e->event.account)) < 0)
        goto nomem;
    return 0;
nomem:
    return nerr_set(err, NERR_NOMEM, "out of memory adding entry %s", entry_id);
}

int batch_place_accounts(batch_t *batch, const int *ready, nerr_t *err) {
    /* Each contact's account as its events go by, in stream order. */
    const char **known = calloc((size_t)(batch->contact_count ? batch->contact_count : 1),
                                sizeof *known);
    if (known == NULL)
        return nerr_set(err, NERR_NOMEM, "out of memory placing accounts");
    for (int i = 0; i < batch->contact_count; i++)
        known[i] = batch->contacts[i].contact.account;
    int rc = 0;
    for (int i = 0; i < batch->entry_count && rc == 0; i++) {
        batch_entry_t *e = &batch->entries[i];
        if (!e->is_valid)
            continue;
        batch_contact_t *c = &batch->contacts[e->contact_index];
        if (c->is_placed || (ready && !ready[e->contact_index]))
            continue;
        char id[EVENT_MAX_ID_BYTES + 1];
        if (e->event.account)
            known[e->contact_index] = e->event.account;
        else if (account_id_for(&e->event, known[e->contact_index], id, sizeof id) &&
                 (e->account_index = account_slot(batch, id)) < 0)
            rc = nerr_set(err, NERR_NOMEM, "out of memory placing accounts");
    }
    for (int i = 0; i < batch->contact_count && rc == 0; i++)
        if (ready == NULL || ready[i])
            batch->contacts[i].is_placed = 1;
    free(known);
    return rc;
}

void batch_reject(batch_t *batch, int index, const char *reason) {
    batch_entry_t *e = &batch->entries[index];
    snprintf(e->reason, sizeof e->reason, "%s", reason);
    e->is_valid = 0;
    e->contact_index = -1; /* the contact's slot stays, with nothing to commit */
}

int batch_restore(batch_t *batch, int index, const char *state, size_t size, int64_t version,
                  const char *rows, size_t rows_size, nerr_t *err) {
    batch_contact_t *c = &batch->contacts[index];
    c->stored_version = version;
    c->contact.version = version;
    if (state == NULL)
        return 0;
    contact_t restored;
    int rc = contact_from_json(&restored, c->id, state, size, version, err);
    if (rc == 0 && rows &&
        (rc = contact_restore_history(&restored, rows, rows_size, err)))
        contact_close(&restored);
    if (rc != 0)
        return rc; /* the fresh contact stays: the caller decides whether to go on */
    contact_close(&c->contact);
    c->contact = restored;
    return 0;
}

void batch_adopt_contact(batch_t *batch, int index, contact_t *contact) {
    batch_contact_t *c = &batch->contacts[index];
    contact_close(&c->contact);
    c->contact = *contact;
    c->stored_version = contact->version;
}

void batch_adopt_account(batch_t *batch, int index, account_t *account) {
    batch_account_t *a = &batch->accounts[index];
    account_close(&a->account);
    a->account = *account;
    a->stored_version = account->version;
}

void batch_surrender_contact(batch_t *batch, int index, contact_t *out) {
    *out = batch->contacts[index].contact;
    memset(&batch->contacts[index].contact, 0, sizeof *out); /* closing a zeroed one is a no-op */
}

void batch_surrender_account(batch_t *batch, int index, account_t *out) {
    *out = batch->accounts[index].account;
    memset(&batch->accounts[index].account, 0, sizeof *out);
}

int batch_restore_account(batch_t *batch, int index, const char *state, size_t size,
                          int64_t version, const char *rows, size_t rows_size, nerr_t *err) {
    batch_account_t *a = &batch->accounts[index];
    a->stored_version = version;
    a->account.version = version;
    if (state == NULL)
        return 0;
    account_t restored;
    int rc = account_from_json(&restored, a->id, state, size, version, err);
    if (rc == 0 && rows &&
        (rc = account_restore_touches(&restored, rows, rows_size, err)))
        account_close(&restored);
    if (rc != 0)
        return rc;
    account_close(&a->account);
    a->account = restored;
    return 0;
}

static int append_actions(batch_contact_t *c, const decision_t *decision, const char *version) {
    if (decision->action_count == 0)
        return 0;
    int total = c->action_count + decision->action_count;
    char **ids = realloc(c->action_ids, (size_t)total * sizeof *ids);
    if (ids)
        c->action_ids = ids;
    char **json = realloc(c->action_json, (size_t)total * sizeof *json);
    if (json)
        c->action_json = json;
    int64_t *due = realloc(c->action_due_ms, (size_t)total * sizeof *due);
    if (due)
        c->action_due_ms = due;
    if (!ids || !json || !due)
        return NERR_NOMEM;
    for (int i = 0; i < decision->action_count; i++) {
        const action_t *a = &decision->actions[i];
        char *id = strdup(a->id);
        char *text = action_to_json_open(a, version);
        if (!id || !text) {
            free(id);
            free(text);
            return NERR_NOMEM;
        }
        c->action_ids[c->action_count] = id;
        c->action_json[c->action_count] = text;
        c->action_due_ms[c->action_count] = a->due_ms;
        c->action_count++;
    }
    return 0;
}

/* Appends 'text' (taken; NULL means out of memory) to a growing list. */
static int push_taken(char ***list, int *count, char *text) {
    char **grown = text ? realloc(*list, (size_t)(*count + 1) * sizeof *grown) : NULL;
    if (grown == NULL) {
        free(text);
        return NERR_NOMEM;
    }
    *list = grown;
    (*list)[(*count)++] = text;
    return 0;
}

/* "status\0reason\0channel\0" in one allocation, or NULL. The metrics count records by
 * these once their commit lands; keeping them spares reading each record back. */
static char *labels_of(const char *status, const char *reason, const char *channel) {
    size_t a = strlen(status) + 1, b = strlen(reason) + 1, c = strlen(channel) + 1;
    char *block = malloc(a + b + c);
    if (block) {
        memcpy(block, status, a);
        memcpy(block + a, reason, b);
        memcpy(block + a + b, channel, c);
    }
    return block;
}

int batch_record_labels(const batch_contact_t *c, int index, const char **status,
                        const char **reason, const char **channel) {
    if (index >= c->label_count)
        return -1;
    *status = c->record_labels[index];
    *reason = *status + strlen(*status) + 1;
    *channel = *reason + strlen(*reason) + 1;
    return 0;
}

/* Keeps what did not go out: the held-back and cancelled records with their labels, the ids
 * to unschedule, and the suppression in force. */
static int keep_outcome(batch_contact_t *c, const decision_t *d, const event_t *event,
                        const char *version) {
    int held = d->held_count < DECIDE_MAX_HELD ? d->held_count : DECIDE_MAX_HELD;
    for (int i = 0; i < held; i++)
        if (push_taken(&c->records, &c->record_count, decision_held_json(d, i, event, version)) ||
            push_taken(&c->record_labels, &c->label_count,
                       labels_of("held", d->held[i].policy, d->held[i].channel)))
            return NERR_NOMEM;
    for (int i = 0; i < d->cancelled_count; i++)
        if (push_taken(&c->records, &c->record_count, decision_cancelled_json(d, i, event, version)) ||
            push_taken(&c->record_labels, &c->label_count,
                       labels_of("cancelled", d->cancelled[i].goal->name, d->cancelled[i].channel)) ||
            push_taken(&c->cancelled_ids, &c->cancelled_count, strdup(d->cancelled[i].id)))
            return NERR_NOMEM;
    snprintf(c->halt, sizeof c->halt, "%s", d->suppressed_by ? d->suppressed_by->name : "");
    return 0;
}

/* Marks repeated event ids within the batch: the first occurrence is decided, the rest not. */
static int mark_repeats(batch_t *batch) {
    strmap_t ids;
    strmap_init(&ids);
    int rc = 0;
    for (int i = 0; i < batch->entry_count && rc == 0; i++) {
        batch_entry_t *e = &batch->entries[i];
        if (!e->is_valid || e->is_duplicate)
            continue;
        if (strmap_get(&ids, e->event.id))
            e->is_duplicate = 1;
        else
            rc = strmap_put(&ids, e->event.id, e);
    }
    strmap_close(&ids, NULL);
    return rc;
}

/* Adds account 'index' to those the commit of 'c' writes, unless it is there. A contact's
 * events of one batch may name two accounts (a buyer who changed companies): each gets the
 * changes its events made. Returns 0, or -1 when memory ran out. */
static int commit_writes_account(batch_contact_t *c, int index) {
    for (int i = 0; i < c->account_count; i++)
        if (c->account_indexes[i] == index)
            return 0;
    int *grown = realloc(c->account_indexes, (size_t)(c->account_count + 1) * sizeof *grown);
    if (grown == NULL)
        return -1;
    grown[c->account_count++] = index;
    c->account_indexes = grown;
    return 0;
}

int batch_decide(batch_t *batch, playbook_t *playbook, batch_rule_error_cb on_rule_error,
                 void *ud, nerr_t *err) {
    if (mark_repeats(batch) != 0)
        return nerr_set(err, NERR_NOMEM, "out of memory checking repeats");
    const char *version = playbook_version(playbook);
    for (int i = 0; i < batch->entry_count; i++) {
        batch_entry_t *e = &batch->entries[i];
        if (!e->is_valid || e->is_duplicate)
            continue;
        batch_contact_t *c = &batch->contacts[e->contact_index];
        batch_account_t *a = e->account_index >= 0 ? &batch->accounts[e->account_index] : NULL;
        if (a && commit_writes_account(c, e->account_index) != 0)
            return nerr_set(err, NERR_NOMEM, "out of memory keeping accounts");
        decision_t decision;
        int rc = decide_account(playbook, &c->contact, a ? &a->account : NULL, &e->event,
                                &decision, err);
        if (a)
            a->decided_count++;
        if (rc == 0 && (append_actions(c, &decision, version) != 0 ||
                        keep_outcome(c, &decision, &e->event, version) != 0))
            rc = nerr_set(err, NERR_NOMEM, "out of memory keeping actions");
        int shown = decision.error_count < DECIDE_MAX_ERRORS ? decision.error_count : DECIDE_MAX_ERRORS;
        for (int k = 0; k < shown && on_rule_error; k++)
            on_rule_error(e, &decision.errors[k], ud);
        decision_close(&decision);
        if (rc != 0)
            return rc;
        c->decided_count++;
    }
    for (int i = 0; i < batch->contact_count; i++) {
        batch_contact_t *c = &batch->contacts[i];
        if (c->decided_count > 0 && (c->state_json = contact_to_json(&c->contact)) == NULL)
            return nerr_set(err, NERR_NOMEM, "out of memory storing contact %s", c->id);
    }
    for (int i = 0; i < batch->account_count; i++) {
        batch_account_t *a = &batch->accounts[i];
        if (a->decided_count == 0)
            continue;
        int changes = (a->state_json = account_to_json(&a->account)) == NULL
                          ? -1
                          : account_state_changes(&a->account, a->state_json);
        if (changes < 0)
            return nerr_set(err, NERR_NOMEM, "out of memory storing account %s", a->id);
        a->is_state_unchanged = changes == 0;
    }
    return 0;
}
