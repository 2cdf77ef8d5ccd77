/* account: accounts, their committee's touchpoints and their deliveries.
 *
 * Storage JSON: {"facts":{..}, "mind":{..as a contact's..},
 *                "touches":[["event","contact","type",ms,{props}],..],
 *                "sent":[["key",due ms,"action id","channel",is_task],..]}
 * Recording is idempotent (by event id and action id): several contacts of one account are
 * committed separately, and a retried commit must not count a touchpoint twice. */
#include "engine/core/account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mail providers whose domain says nothing about the company. */
static const char *const PERSONAL_DOMAINS[] = {
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.jp", "outlook.com", "hotmail.com",
    "live.com",  "icloud.com",     "me.com",    "aol.com",     "proton.me",   "protonmail.com",
    "gmx.de",    "gmx.net",        "web.de",    "mail.ru",     "qq.com",      "163.com",
    NULL,
};

int account_id_for(const event_t *event, const char *known_account, char *buf, size_t size) {
    const char *id = event->account ? event->account : known_account;
    if (id == NULL) {
        const char *at = strrchr(event->contact, '@');
        if (at == NULL || at[1] == '\0' || strchr(at + 1, '.') == NULL)
            return 0;
        for (int i = 0; PERSONAL_DOMAINS[i]; i++)
            if (strcmp(at + 1, PERSONAL_DOMAINS[i]) == 0)
                return 0;
        id = at + 1;
    }
    snprintf(buf, size, "%s", id);
    return buf[0] != '\0';
}

int account_init(account_t *account, const char *id, nerr_t *err) {
    memset(account, 0, sizeof *account);
    mind_init(&account->mind);
    account->id = strdup(id);
    account->facts = cJSON_CreateObject();
    account->touches = calloc(ACCOUNT_TOUCH_MAX, sizeof *account->touches);
    account->sent = calloc(ACCOUNT_SENT_MAX, sizeof *account->sent);
    if (!account->id || !account->facts || !account->touches || !account->sent) {
        account_close(account);
        return nerr_set(err, NERR_NOMEM, "out of memory creating account");
    }
    return 0;
}

static void touch_close(account_touch_t *t) {
    free(t->event_id);
    free(t->contact);
    free(t->type);
    cJSON_Delete(t->props);
    memset(t, 0, sizeof *t);
}

void account_close(account_t *account) {
    for (int i = 0; i < account->touch_count; i++)
        touch_close(&account->touches[i]);
    for (int i = 0; i < account->sent_count; i++)
        contact_sent_close(&account->sent[i]);
    free(account->touches);
    free(account->sent);
    mind_close(&account->mind);
    cJSON_Delete(account->facts);
    free(account->id);
    memset(account, 0, sizeof *account);
}

/* ---- committee -------------------------------------------------------------------------- */

static int has_event(const account_t *account, const event_t *event) {
    for (int i = account->touch_count - 1; i >= 0; i--)
        if (account->touches[i].at_ms == event->at_ms &&
            strcmp(account->touches[i].event_id, event->id) == 0)
            return 1;
    return 0;
}

static int push_touch(account_t *account, const char *event_id, const char *contact,
                      const char *type, int64_t at_ms, const cJSON *props) {
    account_touch_t t = {strdup(event_id), strdup(contact), strdup(type), at_ms,
                         props ? cJSON_Duplicate(props, 1) : NULL};
    if (!t.event_id || !t.contact || !t.type || (props && !t.props)) {
        touch_close(&t);
        return NERR_NOMEM;
    }
    if (account->touch_count == ACCOUNT_TOUCH_MAX) {
        touch_close(&account->touches[0]);
        memmove(&account->touches[0], &account->touches[1],
                (ACCOUNT_TOUCH_MAX - 1) * sizeof account->touches[0]);
        account->touch_count--;
    }
    account->touches[account->touch_count++] = t;
    return 0;
}

static int merge_facts(account_t *account, const cJSON *facts) {
    const cJSON *item;
    cJSON_ArrayForEach(item, facts) {
        cJSON *copy = cJSON_Duplicate(item, 1);
        if (copy == NULL)
            return NERR_NOMEM;
        if (cJSON_GetObjectItemCaseSensitive(account->facts, item->string))
            cJSON_ReplaceItemInObjectCaseSensitive(account->facts, item->string, copy);
        else
            cJSON_AddItemToObject(account->facts, item->string, copy);
    }
    return 0;
}

int account_record_touch(account_t *account, const event_t *event, nerr_t *err) {
    if (has_event(account, event))
        return 0;
    if (push_touch(account, event->id, event->contact, event->type, event->at_ms, event->props) ||
        (strcmp(event->type, "account_update") == 0 && merge_facts(account, event->props)))
        return nerr_set(err, NERR_NOMEM, "out of memory recording touchpoint %s", event->id);
    return 0;
}

int account_committee(const account_t *account, const char *type, const contact_filter_t *filter,
                      int64_t since_ms) {
    const char *seen[ACCOUNT_TOUCH_MAX];
    int count = 0;
    for (int i = 0; i < account->touch_count; i++) {
        const account_touch_t *t = &account->touches[i];
        if (t->at_ms < since_ms || (type && strcmp(t->type, type) != 0) ||
            !contact_props_match(t->props, filter))
            continue;
        int is_new = 1;
        for (int k = 0; k < count && is_new; k++)
            is_new = strcmp(seen[k], t->contact) != 0;
        if (is_new)
            seen[count++] = t->contact;
    }
    return count;
}

/* ---- deliveries for the account --------------------------------------------------------- */

int64_t account_last_sent(const account_t *account, const char *key) {
    int64_t last = -1;
    for (int i = 0; i < account->sent_count; i++)
        if (strcmp(account->sent[i].content, key) == 0 && account->sent[i].at_ms > last)
            last = account->sent[i].at_ms;
    return last;
}

int account_mark_sent(account_t *account, const char *key, const char *action_id,
                      const char *channel, int is_task, int64_t at_ms, nerr_t *err) {
    for (int i = 0; i < account->sent_count; i++)
        if (strcmp(account->sent[i].action_id, action_id) == 0)
            return 0;
    contact_sent_t d = {strdup(key), strdup(action_id), strdup(channel), is_task, at_ms};
    if (!d.content || !d.action_id || !d.channel) {
        contact_sent_close(&d);
        return nerr_set(err, NERR_NOMEM, "out of memory recording an account delivery");
    }
    if (account->sent_count == ACCOUNT_SENT_MAX) {
        contact_sent_close(&account->sent[0]);
        memmove(&account->sent[0], &account->sent[1],
                (ACCOUNT_SENT_MAX - 1) * sizeof account->sent[0]);
        account->sent_count--;
    }
    account->sent[account->sent_count++] = d;
    return 0;
}

/* ---- storage form ----------------------------------------------------------------------- */

static int add_string(cJSON *row, const char *text) {
    return cJSON_AddItemToArray(row, cJSON_CreateString(text));
}

static int add_number(cJSON *row, double value) {
    return cJSON_AddItemToArray(row, cJSON_CreateNumber(value));
}

char *account_to_json(const account_t *account) {
    cJSON *root = cJSON_CreateObject();
    cJSON *touches = cJSON_CreateArray(), *sent = cJSON_CreateArray();
    char *text = NULL;
    if (!cJSON_AddItemToObject(root, "facts", cJSON_Duplicate(account->facts, 1)) ||
        !cJSON_AddItemToObject(root, "mind", mind_to_json(&account->mind)) ||
        !cJSON_AddItemToObject(root, "touches", touches) || !cJSON_AddItemToObject(root, "sent", sent))
        goto done;
    for (int i = 0; i < account->touch_count; i++) {
        const account_touch_t *t = &account->touches[i];
        cJSON *row = cJSON_CreateArray();
        if (!cJSON_AddItemToArray(touches, row) || !add_string(row, t->event_id) ||
            !add_string(row, t->contact) || !add_string(row, t->type) ||
            !add_number(row, (double)t->at_ms) ||
            (t->props && !cJSON_AddItemToArray(row, cJSON_Duplicate(t->props, 1))))
            goto done;
    }
    for (int i = 0; i < account->sent_count; i++) {
        const contact_sent_t *d = &account->sent[i];
        cJSON *row = cJSON_CreateArray();
        if (!cJSON_AddItemToArray(sent, row) || !add_string(row, d->content) ||
            !add_number(row, (double)d->at_ms) || !add_string(row, d->action_id) ||
            !add_string(row, d->channel) || !cJSON_AddItemToArray(row, cJSON_CreateBool(d->is_task)))
            goto done;
    }
    text = cJSON_PrintUnformatted(root);
done:
    cJSON_Delete(root);
    return text;
}

static const char *row_string(const cJSON *row, int index) {
    const cJSON *item = cJSON_GetArrayItem(row, index);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int restore(account_t *account, const cJSON *root, nerr_t *err) {
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "touches")) {
        const char *event_id = row_string(row, 0), *contact = row_string(row, 1);
        const char *type = row_string(row, 2);
        const cJSON *at = cJSON_GetArrayItem(row, 3), *props = cJSON_GetArrayItem(row, 4);
        if (!event_id || !contact || !type || !cJSON_IsNumber(at))
            return nerr_set(err, NERR_INVALID, "stored account touchpoints are malformed");
        if (push_touch(account, event_id, contact, type, (int64_t)at->valuedouble,
                       cJSON_IsObject(props) ? props : NULL))
            return nerr_set(err, NERR_NOMEM, "out of memory restoring account");
    }
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "sent")) {
        const char *key = row_string(row, 0), *id = row_string(row, 2), *channel = row_string(row, 3);
        const cJSON *at = cJSON_GetArrayItem(row, 1);
        if (!key || !id || !channel || !cJSON_IsNumber(at))
            return nerr_set(err, NERR_INVALID, "stored account deliveries are malformed");
        if (account_mark_sent(account, key, id, channel, cJSON_IsTrue(cJSON_GetArrayItem(row, 4)),
                              (int64_t)at->valuedouble, err))
            return NERR_NOMEM;
    }
    return 0;
}

int account_from_json(account_t *account, const char *id, const char *text, size_t size,
                      int64_t version, nerr_t *err) {
    if (account_init(account, id, err))
        return NERR_NOMEM;
    account->version = version;
    cJSON *root = cJSON_ParseWithLength(text, size);
    int rc = NERR_INVALID;
    if (!cJSON_IsObject(root)) {
        nerr_set(err, NERR_INVALID, "stored state of account %s is not a JSON object", id);
        goto done;
    }
    cJSON *facts = cJSON_DetachItemFromObjectCaseSensitive(root, "facts");
    if (cJSON_IsObject(facts)) {
        cJSON_Delete(account->facts);
        account->facts = facts;
    } else {
        cJSON_Delete(facts);
    }
    rc = mind_from_json(&account->mind, cJSON_GetObjectItemCaseSensitive(root, "mind"), err);
    if (rc == 0)
        rc = restore(account, root, err);
done:
    cJSON_Delete(root);
    if (rc != 0)
        account_close(account);
    return rc;
}
