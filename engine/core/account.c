/* account: accounts, their committee's touchpoints and their deliveries.
 *
 * Stored state: {"facts":{..}, "mind":{..as a contact's..},
 *                "sent":[["key",due ms,"action id","channel",is_task(,true)],..]}
 * (the last true only when a repeat of the delivery was recorded, see contact.c).
 * Touchpoint rows, a text beside it: ["event","contact","type",ms,{props}],[..],.. States
 * written before that text existed carry the rows as "touches":[..] in the object.
 * Recording is idempotent (by event id and action id): several contacts of one account are
 * committed separately, and a retried commit must not count a touchpoint twice. */
#include "engine/core/account.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/footprint.h"
#include "engine/core/hash.h"
#include "engine/core/jsonr.h"
#include "engine/core/jsonw.h"

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
    /* Cut short to fit, as snprintf would, without parsing a format for every event. */
    if (size == 0)
        return 0;
    size_t length = strnlen(id, size - 1);
    memcpy(buf, id, length);
    buf[length] = '\0';
    return length > 0;
}

int account_init(account_t *account, const char *id, nerr_t *err) {
    memset(account, 0, sizeof *account);
    mind_init(&account->mind);
    rowlog_init(&account->touches_log);
    account->id = strdup(id);
    account->facts = cJSON_CreateObject();
    account->sent = calloc(ACCOUNT_SENT_MAX, sizeof *account->sent);
    if (!account->id || !account->facts || !account->sent) {
        account_close(account);
        return nerr_set(err, NERR_NOMEM, "out of memory creating account");
    }
    return 0;
}

/* Frees the touch's block, or lets go of the account's rows block (see contact.c). */
static void touch_close(account_t *account, account_touch_t *t) {
    if (!t->is_in_block) {
        free(t->event_id);
    } else if (--account->block_touches == 0) {
        free(account->rows_block);
        account->rows_block = NULL;
    }
    memset(t, 0, sizeof *t);
}

void account_close(account_t *account) {
    for (int i = 0; i < account->touch_count; i++)
        touch_close(account, &account->touches[i]);
    free(account->rows_block); /* a block no touch was made from (out of memory) */
    for (int i = 0; i < account->sent_count; i++)
        contact_sent_close(&account->sent[i]);
    free(account->touches);
    free(account->sent);
    mind_close(&account->mind);
    cJSON_Delete(account->facts);
    free(account->stored_state);
    free(account->unread_rows);
    free(account->unread_ids);
    free(account->id);
    memset(account, 0, sizeof *account);
}

size_t account_footprint(const account_t *account) {
    size_t total = sizeof *account + footprint_string(account->id) +
                   footprint_json(account->facts) + mind_footprint(&account->mind) +
                   footprint_string(account->stored_state) +
                   contact_sent_footprint(account->sent, account->sent_count,
                                          account->sent ? ACCOUNT_SENT_MAX : 0);
    if (account->touch_capacity > 0)
        total += footprint_block((size_t)account->touch_capacity * sizeof *account->touches);
    for (int i = 0; i < account->touch_count; i++)
        total += footprint_row(account->touches[i].row_size);
    if (account->unread_rows)
        total += footprint_block(account->unread_rows_size) +
                 footprint_block((size_t)account->unread_id_count * sizeof *account->unread_ids);
    return total;
}

/* ---- committee -------------------------------------------------------------------------- */

static int has_touch(const account_t *account, const event_t *event) {
    for (int i = account->touch_count - 1; i >= 0; i--)
        if (account->touches[i].at_ms == event->at_ms &&
            strcmp(account->touches[i].event_id, event->id) == 0)
            return 1;
    return 0;
}

/* Whether event 'id' may be among the unread rows, by the hashes of their ids. */
static int unread_may_hold(const account_t *account, const char *id) {
    if (account->unread_ids_unknown)
        return 1;
    uint64_t hash = hash_update(HASH_SEED, id, strlen(id));
    for (int i = 0; i < account->unread_id_count; i++)
        if (account->unread_ids[i] == hash)
            return 1;
    return 0;
}

/* 1 when 'event' is recorded already, 0 when not, or NERR_NOMEM when the stored rows that may
 * hold it could not be read. The stored rows matter: a commit writes every row of the
 * account decided so far, those of other contacts' events too, so an event whose own commit
 * failed after another one landed comes back with its row stored already. */
static int has_event(account_t *account, const event_t *event) {
    if (has_touch(account, event))
        return 1;
    if (account->unread_rows == NULL || !unread_may_hold(account, event->id))
        return 0;
    if (account_read_rows(account, NULL) == NERR_NOMEM)
        return NERR_NOMEM;
    return has_touch(account, event);
}

/* A touch is one block, "id\0contact\0type\0row\0", written with jsonw as a contact's
 * touches are (see contact.c): touch_begin, the row, touch_end. */
static void touch_begin(jsonw_t *w, const char *event_id, const char *contact, const char *type,
                        size_t row_guess) {
    size_t id_size = strlen(event_id) + 1, contact_size = strlen(contact) + 1;
    size_t type_size = strlen(type) + 1;
    jsonw_init(w, id_size + contact_size + type_size + row_guess);
    jsonw_raw(w, event_id, id_size);
    jsonw_raw(w, contact, contact_size);
    jsonw_raw(w, type, type_size);
}

/* Points 't' into a touch's part of a block, "id\0contact\0type\0row\0" ('size' bytes, the
 * last NUL not counted), as contact.c does. */
static void point_touch(account_touch_t *t, char *part, size_t size, int64_t at_ms,
                        size_t props_at, size_t props_size) {
    memset(t, 0, sizeof *t);
    t->event_id = part;
    t->contact = part + strlen(part) + 1;
    t->type = t->contact + strlen(t->contact) + 1;
    t->row = t->type + strlen(t->type) + 1;
    t->row_size = (uint32_t)(size - (size_t)(t->row - part));
    if (props_size > 0) {
        t->props = part + props_at;
        t->props_size = (uint32_t)props_size;
    }
    t->at_ms = at_ms;
}

static int touch_end(jsonw_t *w, account_touch_t *t, int64_t at_ms, size_t props_at,
                     size_t props_size) {
    size_t size = w->length;
    char *block = jsonw_finish(w);
    if (block == NULL)
        return NERR_NOMEM;
    point_touch(t, block, size, at_ms, props_at, props_size);
    return 0;
}

/* Appends 't' (taken; closed when memory runs out), dropping the oldest touchpoint when full.
 * The list grows as it fills: most accounts of a batch are read, changed and dropped, and
 * zeroing room for every touchpoint up front cost more than reading them. */
static int push_touch_owned(account_t *account, account_touch_t t) {
    if (account->touch_count == account->touch_capacity &&
        account->touch_capacity < ACCOUNT_TOUCH_MAX) {
        int grown = account->touch_capacity ? account->touch_capacity * 2 : 8;
        if (grown > ACCOUNT_TOUCH_MAX)
            grown = ACCOUNT_TOUCH_MAX;
        account_touch_t *fresh = realloc(account->touches, (size_t)grown * sizeof *fresh);
        if (fresh == NULL) {
            touch_close(account, &t);
            return NERR_NOMEM;
        }
        account->touches = fresh;
        account->touch_capacity = grown;
    }
    if (account->touch_count == ACCOUNT_TOUCH_MAX) {
        touch_close(account, &account->touches[0]);
        memmove(&account->touches[0], &account->touches[1],
                (ACCOUNT_TOUCH_MAX - 1) * sizeof account->touches[0]);
        account->touch_count--;
    }
    account->touches[account->touch_count++] = t;
    return 0;
}

static int push_touch(account_t *account, const char *event_id, const char *contact,
                      const char *type, int64_t at_ms, const rowlog_props_t *props) {
    jsonw_t w;
    const char *strings[] = {event_id, contact, type};
    touch_begin(&w, event_id, contact, type, rowlog_row_size(strings, 3, props));
    size_t props_at, props_size;
    rowlog_write_row(&w, strings, 3, at_ms, props, &props_at, &props_size);
    account_touch_t t;
    if (touch_end(&w, &t, at_ms, props_at, props_size))
        return NERR_NOMEM;
    return push_touch_owned(account, t);
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
    int recorded = has_event(account, event);
    if (recorded == NERR_NOMEM)
        return nerr_set(err, NERR_NOMEM, "out of memory reading the touchpoints of account %s",
                        account->id);
    if (recorded)
        return 0;
    const rowlog_props_t props = {event->props, event->props_text, event->props_text_size};
    if (push_touch(account, event->id, event->contact, event->type, event->at_ms, &props) ||
        (strcmp(event->type, "account_update") == 0 && merge_facts(account, event->props)))
        return nerr_set(err, NERR_NOMEM, "out of memory recording touchpoint %s", event->id);
    rowlog_added(&account->touches_log, ACCOUNT_TOUCH_MAX);
    return 0;
}

int account_committee(account_t *account, const char *type, const contact_filter_t *filter,
                      int64_t since_ms, nerr_t *err) {
    /* A malformed stored row is for the committer to report; the rows before it count. */
    if (account_read_rows(account, err) == NERR_NOMEM)
        return -1;
    const char *seen[ACCOUNT_TOUCH_MAX];
    int count = 0;
    for (int i = 0; i < account->touch_count; i++) {
        const account_touch_t *t = &account->touches[i];
        if (t->at_ms < since_ms || (type && strcmp(t->type, type) != 0) ||
            !contact_props_match(t->props, t->props_size, filter))
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

int account_mark_sent(account_t *account, const char *key, const char *action_id,
                      const char *channel, int is_task, int64_t at_ms, nerr_t *err) {
    for (int i = 0; i < account->sent_count; i++)
        if (strcmp(account->sent[i].action_id, action_id) == 0)
            return 0;
    contact_sent_t d = {strdup(key), strdup(action_id), strdup(channel), is_task, at_ms, 0};
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

/* ---- storage form -----------------------------------------------------------------------
 * Written with jsonw (no tree), read back with jsonr; a state in any other form (written by
 * hand, say) is read by cJSON, which also reports what is wrong with a malformed one. */

char *account_to_json(account_t *account) {
    jsonw_t w;
    /* About the size of a full state, so that most accounts need one allocation. */
    jsonw_init(&w, 512 + (size_t)account->sent_count * 64);
    jsonw_raw(&w, "{\"facts\":", 9);
    jsonw_item(&w, account->facts);
    jsonw_raw(&w, ",\"mind\":", 8);
    mind_write_json(&w, &account->mind);
    jsonw_raw(&w, ",\"sent\":", 8);
    contact_sent_write_json(&w, account->sent, account->sent_count);
    jsonw_char(&w, '}');
    return jsonw_finish(&w);
}

int account_state_changes(account_t *account, const char *state) {
    if (account->stored_state && strcmp(account->stored_state, state) == 0)
        return 0;
    char *copy = strdup(state);
    if (copy == NULL)
        return -1;
    free(account->stored_state);
    account->stored_state = copy;
    return 1;
}

static const char *touch_row(const void *owner, int index, size_t *size) {
    const account_touch_t *touch = &((const account_t *)owner)->touches[index];
    *size = touch->row_size;
    return touch->row;
}

char *account_rows_text(account_t *account, int *rewrite, size_t *size) {
    if (account->unread_rows && rowlog_rewrites(&account->touches_log, ACCOUNT_TOUCH_MAX) &&
        account_read_rows(account, NULL) == NERR_NOMEM) {
        *rewrite = -1;
        *size = 0;
        return NULL;
    }
    return rowlog_text(&account->touches_log, account->touch_count, ACCOUNT_TOUCH_MAX, touch_row,
                       account, rewrite, size);
}

void account_touches_saved(account_t *account) {
    rowlog_saved(&account->touches_log, account->touch_count, ACCOUNT_TOUCH_MAX);
}

/* A row inside a state: the touch keeps the row's text as it was read, in a block of its own. */
static int read_touch(jsonr_t *r, const char *key, void *ud) {
    (void)key;
    rowlog_row_t row;
    if (rowlog_read_row(r, 3, &row) != 0)
        return -1;
    jsonw_t w;
    jsonw_init(&w, row.string_sizes[0] + row.string_sizes[1] + row.string_sizes[2] +
                       row.row_size + 4);
    size_t props_at = rowlog_write_part(&w, &row);
    account_touch_t t;
    if (touch_end(&w, &t, row.at_ms, props_at, row.props_size) != 0)
        return -1;
    return push_touch_owned(ud, t) ? -1 : 0;
}

/* Restores a stored delivery's mark that its repeat was recorded. */
static void restore_repeat_held(account_t *account, const char *action_id, int repeat_held) {
    for (int i = 0; i < account->sent_count; i++)
        if (strcmp(account->sent[i].action_id, action_id) == 0)
            account->sent[i].repeat_held = repeat_held;
}

static int read_sent(jsonr_t *r, const char *key, void *ud) {
    (void)key;
    contact_sent_t d;
    if (contact_sent_read_json(r, &d) != 0)
        return -1;
    int rc = account_mark_sent(ud, d.content, d.action_id, d.channel, d.is_task, d.at_ms, NULL);
    restore_repeat_held(ud, d.action_id, d.repeat_held);
    contact_sent_close(&d);
    return rc ? -1 : 0;
}

typedef struct {
    account_t *account;
    int seen; /* bit per member of MEMBERS */
} top_reader_t;

static int read_member(jsonr_t *r, const char *key, void *ud) {
    static const char *const MEMBERS[] = {"facts", "mind", "touches", "sent"};
    top_reader_t *top = ud;
    account_t *a = top->account;
    switch (jsonr_member_index(key, MEMBERS, 4, &top->seen)) {
    case 0: return jsonr_object_into(r, &a->facts);
    case 1: return mind_read_json(r, &a->mind);
    case 2: return jsonr_list(r, 0, read_touch, a);
    case 3: return jsonr_list(r, 0, read_sent, a);
    default: return -1;
    }
}

/* Returns 0 with 'account' restored, or -1 with it closed (cJSON decides then). */
static int restore_fast(account_t *account, const char *id, const char *text, size_t size,
                        int64_t version) {
    if (account_init(account, id, NULL))
        return -1;
    account->version = version;
    jsonr_t r = jsonr_over(text, size);
    top_reader_t top = {account, 0};
    if (jsonr_list(&r, 1, read_member, &top) == 0 && jsonr_at_end(&r)) {
        rowlog_read_state(&account->touches_log, top.seen & (1 << 2), account->touch_count);
        return 0;
    }
    account_close(account);
    return -1;
}

static const char *row_string(const cJSON *row, int index) {
    const cJSON *item = cJSON_GetArrayItem(row, index);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int restore_lists(account_t *account, const cJSON *root, nerr_t *err) {
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "touches")) {
        const char *event_id = row_string(row, 0), *contact = row_string(row, 1);
        const char *type = row_string(row, 2);
        const cJSON *props = cJSON_GetArrayItem(row, 4);
        int64_t at;
        if (!event_id || !contact || !type || jsonr_time_item(cJSON_GetArrayItem(row, 3), &at))
            return nerr_set(err, NERR_INVALID, "stored account touchpoints are malformed");
        const rowlog_props_t tree = {cJSON_IsObject(props) ? props : NULL, NULL, 0};
        if (push_touch(account, event_id, contact, type, at, &tree))
            return nerr_set(err, NERR_NOMEM, "out of memory restoring account");
    }
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "sent")) {
        const char *key = row_string(row, 0), *id = row_string(row, 2), *channel = row_string(row, 3);
        int64_t at;
        if (!key || !id || !channel || jsonr_time_item(cJSON_GetArrayItem(row, 1), &at))
            return nerr_set(err, NERR_INVALID, "stored account deliveries are malformed");
        if (account_mark_sent(account, key, id, channel, cJSON_IsTrue(cJSON_GetArrayItem(row, 4)),
                              at, err))
            return NERR_NOMEM;
        restore_repeat_held(account, id, cJSON_IsTrue(cJSON_GetArrayItem(row, 5)));
    }
    return 0;
}

/* The reference reader: any JSON object, members looked up by name. */
static int restore_with_cjson(account_t *account, const char *id, const char *text, size_t size,
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
        rc = restore_lists(account, root, err);
    rowlog_read_state(&account->touches_log, cJSON_HasObjectItem(root, "touches"),
                      account->touch_count);
done:
    cJSON_Delete(root);
    if (rc != 0)
        account_close(account);
    return rc;
}

/* Keeps the stored state as read, unless its rows came inside it (then it changes anyway). */
static int keep_stored_state(account_t *account, const char *text, size_t size, nerr_t *err) {
    if (account->touches_log.replace)
        return 0;
    if ((account->stored_state = malloc(size + 1)) == NULL) {
        account_close(account);
        return nerr_set(err, NERR_NOMEM, "out of memory restoring account");
    }
    memcpy(account->stored_state, text, size);
    account->stored_state[size] = '\0';
    return 0;
}

int account_from_json(account_t *account, const char *id, const char *text, size_t size,
                      int64_t version, nerr_t *err) {
    int rc = restore_fast(account, id, text, size, version) == 0
                 ? 0
                 : restore_with_cjson(account, id, text, size, version, err);
    return rc ? rc : keep_stored_state(account, text, size, err);
}

/* Hashes the event id of the row starting at 'at' (its '['), a plain string in the written
 * form, into '*hash'; returns 0, or -1 when the row starts otherwise. */
static int row_id_hash(const char *at, const char *end, uint64_t *hash) {
    if (end - at < 3 || at[0] != '[' || at[1] != '"')
        return -1;
    const char *id = at + 2, *quote = memchr(id, '"', (size_t)(end - id));
    if (quote == NULL || memchr(id, '\\', (size_t)(quote - id)) != NULL)
        return -1;
    *hash = hash_update(HASH_SEED, id, (size_t)(quote - id));
    return 0;
}

/* Notes the unread rows without reading them: how many (for the rewrite) and the hashes of
 * their event ids (for has_event). A row starts the text or follows a "],[". Props holding
 * that text make one row too many, whose hash names nothing: the next rewrite comes a row
 * sooner, or the rows are read for nothing. A row spelled otherwise than the written form
 * leaves the ids unknown: any event may then be among them. Returns 0, or -1 when out of
 * memory. */
static int index_unread_rows(account_t *account) {
    const char *text = account->unread_rows, *end = text + account->unread_rows_size;
    int capacity = 64, count = 0, known = 1;
    uint64_t *ids = malloc((size_t)capacity * sizeof *ids);
    if (ids == NULL)
        return -1;
    for (const char *at = text; at != NULL;) {
        if (count == capacity) {
            uint64_t *grown = realloc(ids, (size_t)(capacity *= 2) * sizeof *ids);
            if (grown == NULL) {
                free(ids);
                return -1;
            }
            ids = grown;
        }
        known &= row_id_hash(at, end, &ids[count]) == 0;
        count++;
        /* The next row: after the next "],[". */
        const char *close = at;
        while ((close = memchr(close, ']', (size_t)(end - close))) != NULL &&
               (end - close < 3 || close[1] != ',' || close[2] != '['))
            close++;
        at = close ? close + 2 : NULL;
    }
    account->unread_ids = ids;
    account->unread_id_count = count;
    account->unread_ids_unknown = !known;
    return 0;
}

int account_restore_touches(account_t *account, const char *text, size_t size, nerr_t *err) {
    if (size == 0)
        return 0;
    assert(account->unread_rows == NULL); /* once per account */
    if ((account->unread_rows = malloc(size)) == NULL)
        return nerr_set(err, NERR_NOMEM, "out of memory restoring account %s", account->id);
    memcpy(account->unread_rows, text, size);
    account->unread_rows_size = size;
    if (index_unread_rows(account) != 0) {
        free(account->unread_rows);
        account->unread_rows = NULL;
        return nerr_set(err, NERR_NOMEM, "out of memory restoring account %s", account->id);
    }
    account->touches_log.stored = account->unread_id_count;
    /* A state of the old form brought touchpoints of its own: the rows are read now. */
    return account->touch_count > 0 ? account_read_rows(account, err) : 0;
}

int account_read_rows(account_t *account, nerr_t *err) {
    if (account->unread_rows == NULL)
        return 0;
    /* Everything that allocates comes first, so that running out of memory changes nothing. */
    account_touch_t *touches = malloc(ACCOUNT_TOUCH_MAX * sizeof *touches);
    rowlog_block_t block;
    rowlog_block_init(&block, account->unread_rows_size, 3);
    rowlog_t log = account->touches_log;
    log.stored = 0;
    int row = 0;
    int rc = touches ? rowlog_read(&log, account->unread_rows, account->unread_rows_size,
                                   rowlog_block_read_row, &block, &row)
                     : NERR_NOMEM;
    int read = block.count;
    char *text = rc != NERR_NOMEM ? rowlog_block_finish(&block) : NULL;
    if (rc == NERR_NOMEM || (read > 0 && text == NULL)) {
        free(touches);
        free(text);
        rowlog_block_close(&block);
        return nerr_set(err, NERR_NOMEM, "out of memory reading the touchpoints of account %s",
                        account->id);
    }
    /* The newest ACCOUNT_TOUCH_MAX: the rows read, then the touchpoints recorded since. */
    int recorded = account->touch_count;
    int kept = read < ACCOUNT_TOUCH_MAX - recorded ? read : ACCOUNT_TOUCH_MAX - recorded;
    assert(account->rows_block == NULL && account->block_touches == 0);
    for (int i = 0; i < kept; i++) {
        const rowlog_place_t *place = &block.places[read - kept + i];
        point_touch(&touches[i], text + place->start, place->size, place->at_ms,
                    place->props_at, place->props_size);
        touches[i].is_in_block = 1;
    }
    if (recorded > 0)
        memcpy(&touches[kept], account->touches, (size_t)recorded * sizeof *touches);
    rowlog_block_close(&block);
    free(account->touches);
    account->touches = touches;
    account->touch_count = kept + recorded;
    account->touch_capacity = ACCOUNT_TOUCH_MAX;
    account->block_touches = kept;
    if (kept > 0)
        account->rows_block = text;
    else
        free(text);
    /* The stored text: the rows read, then those appended since they were counted unread. */
    account->touches_log.stored += log.stored - account->unread_id_count;
    free(account->unread_rows);
    free(account->unread_ids);
    account->unread_rows = NULL;
    account->unread_ids = NULL;
    account->unread_rows_size = 0;
    account->unread_id_count = account->unread_ids_unknown = 0;
    if (rc == 0)
        return 0;
    account->malformed_row = row;
    account->touches_log.replace = 1; /* written afresh, without the malformed rows */
    return nerr_set(err, NERR_INVALID, "stored touchpoint row %d of account %s is malformed", row,
                    account->id);
}
