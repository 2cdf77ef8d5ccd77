/* event: parse-or-error for the event contract. Every rejection names the field and why,
 * because the reason is what lands in the dead-letter stream. */
#include "engine/core/event.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/clock.h"
#include "engine/core/jsonr.h"

int event_is_utf8(const char *text, size_t size) {
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < size) {
        /* ASCII runs, the common case, eight bytes at a time. */
        while (i + 8 <= size) {
            uint64_t chunk;
            memcpy(&chunk, s + i, sizeof chunk);
            if (chunk & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i == size)
            break;
        unsigned char c = s[i];
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3, cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + extra >= size)
            return 0;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* Overlong forms, surrogates and code points past U+10FFFF are not UTF-8. */
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += extra + 1;
    }
    return 1;
}

static int is_blank(const char *text, size_t size) {
    for (size_t i = 0; i < size; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
            return 0;
    return 1;
}

/* The members event_parse reads, by their first occurrence (as cJSON's lookup would find). */
enum { F_ID, F_CONTACT, F_TYPE, F_AT, F_ACCOUNT, F_CHANNEL, F_SOURCE, F_PROPS, F_COUNT };

static const char *const FIELD_NAMES[F_COUNT] = {"id",      "contact", "type",   "at",
                                                 "account", "channel", "source", "props"};

/* One pass over the members instead of one lookup per field: most events have no other
 * members, and a lookup compares the name with every member before it. */
static void find_fields(const cJSON *object, const cJSON *found[F_COUNT]) {
    for (int f = 0; f < F_COUNT; f++)
        found[f] = NULL;
    for (const cJSON *item = object->child; item != NULL; item = item->next) {
        const char *key = item->string;
        int f;
        switch (key[0]) { /* the first letter leaves at most two candidates */
        case 'i': f = F_ID; break;
        case 't': f = F_TYPE; break;
        case 'a': f = key[1] == 't' ? F_AT : F_ACCOUNT; break;
        case 'c': f = key[1] == 'o' ? F_CONTACT : F_CHANNEL; break;
        case 's': f = F_SOURCE; break;
        case 'p': f = F_PROPS; break;
        default: continue;
        }
        if (found[f] == NULL && strcmp(key, FIELD_NAMES[f]) == 0)
            found[f] = item;
    }
}

/* Checks the string member 'f' (found by find_fields, or NULL); a missing member is fine
 * unless 'required'. */
static int read_string(const cJSON *item, int f, int required, const char **out, nerr_t *err) {
    const char *name = FIELD_NAMES[f];
    *out = NULL;
    int type = item ? item->type & 0xff : cJSON_NULL; /* what cJSON_IsNull and _IsString test */
    if (type == cJSON_NULL) {
        if (required)
            return nerr_set(err, NERR_INVALID, "missing required field \"%s\"", name);
        return 0;
    }
    if (type != cJSON_String)
        return nerr_set(err, NERR_INVALID, "field \"%s\" must be a string", name);
    if (required && item->valuestring[0] == '\0')
        return nerr_set(err, NERR_INVALID, "field \"%s\" must not be empty", name);
    if (strnlen(item->valuestring, EVENT_MAX_ID_BYTES + 1) > EVENT_MAX_ID_BYTES)
        return nerr_set(err, NERR_INVALID, "field \"%s\" is longer than %d bytes", name,
                        EVENT_MAX_ID_BYTES);
    *out = item->valuestring;
    return 0;
}

/* ---- the event reader ------------------------------------------------------------------
 * Events are small plain JSON objects, read once each: one pass straight into one block
 * (nodes first, then their strings; the root marked cJSON_IsReference, so cJSON_Delete frees
 * the block whole and never walks into the children, which it did not allocate one by one).
 * The block is sized before the pass: every node but the root follows a '{', a '[' or a ',',
 * and the unescaped strings with their terminators take no more bytes than the text. It takes
 * plain JSON only (strings with the short escapes, numbers as cJSON reads them, nesting up to
 * READ_MAX_DEPTH), with cJSON's values; on anything else it gives up and cJSON, which has the
 * last word on what the text means, reads it. */

#define READ_MAX_DEPTH 32

#define BYTES(c) (0x0101010101010101ULL * (unsigned char)(c))

/* 0x80 in each byte of 'word' that is zero, 0 in the others (exact, unlike the usual test). */
static uint64_t zero_bytes(uint64_t word) {
    uint64_t low = 0x7f7f7f7f7f7f7f7fULL;
    return ~(((word & low) + low) | word | low);
}

typedef struct {
    const char *at, *end;
    cJSON *nodes; /* the next free node */
    char *text;   /* the next free string byte */
    int depth;
    const char *props_start, *props_end; /* the text of the root's first "props" member */
} reader_t;

static void skip_space(reader_t *r) {
    while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r'))
        r->at++;
}

static cJSON *new_node(reader_t *r) {
    cJSON *node = r->nodes++;
    memset(node, 0, sizeof *node);
    return node;
}

/* 0x80 in the lowest byte of 'word' that is zero, and maybe in some above it: cheaper than
 * zero_bytes where only the first zero byte counts. */
static uint64_t first_zero_byte(uint64_t word) {
    return (word - BYTES(1)) & ~word & BYTES(0x80);
}

/* The number of plain bytes (no quote, backslash or control character) that start the eight
 * at 'at'. */
static int plain_run(const char *at) {
    uint64_t word;
    memcpy(&word, at, sizeof word);
    uint64_t special = first_zero_byte(word ^ BYTES('"')) | first_zero_byte(word ^ BYTES('\\')) |
                       first_zero_byte(word & BYTES(0xe0));
    return special ? __builtin_ctzll(special) / 8 : 8; /* little-endian: the first is lowest */
}

/* Reads the string at '"' into the block; plain characters and the short escapes only. Plain
 * runs are found and copied eight bytes at a time: the copy never passes the end of the
 * block's text, which holds the whole event text and has this string's quotes to spare. */
static char *read_text(reader_t *r) {
    if (r->at == r->end || *r->at != '"')
        return NULL;
    char *copy = r->text, *out = r->text;
    const char *at = r->at + 1;
    for (;;) {
        if (r->end - at >= 8) {
            int run = plain_run(at);
            memcpy(out, at, 8);
            out += run, at += run;
            if (run == 8)
                continue;
        } else {
            while (at < r->end && *at != '"' && *at != '\\' && (unsigned char)*at >= 32)
                *out++ = *at++;
            if (at == r->end)
                return NULL;
        }
        unsigned char c = (unsigned char)*at++;
        if (c == '"')
            break;
        if (c < 32 || at == r->end)
            return NULL;
        int escaped = jsonr_short_escape(*at++); /* after a backslash */
        if (escaped < 0)
            return NULL; /* \u and the invalid ones: the general readers decide */
        *out++ = (char)escaped;
    }
    *out++ = '\0';
    r->text = out;
    r->at = at;
    return copy;
}

static int read_number(reader_t *r, cJSON *node) {
    double value;
    if (jsonr_scan_number(&r->at, r->end, &value))
        return -1;
    node->type = cJSON_Number;
    node->valuedouble = value;
    /* cJSON's valueint, saturated */
    node->valueint = value >= INT_MAX ? INT_MAX : value <= (double)INT_MIN ? INT_MIN : (int)value;
    return 0;
}

static int read_literal(reader_t *r, const char *word, size_t size, cJSON *node, int type) {
    if ((size_t)(r->end - r->at) < size || memcmp(r->at, word, size) != 0)
        return -1;
    r->at += size;
    node->type = type;
    node->valueint = type == cJSON_True;
    return 0;
}

static int read_value(reader_t *r, cJSON *node);

static int read_children(reader_t *r, cJSON *node, int is_object) {
    char close = is_object ? '}' : ']';
    node->type = is_object ? cJSON_Object : cJSON_Array;
    if (++r->depth > READ_MAX_DEPTH)
        return -1;
    r->at++;
    skip_space(r);
    if (r->at < r->end && *r->at == close) {
        r->at++;
        r->depth--;
        return 0;
    }
    cJSON *last = NULL;
    for (;;) {
        cJSON *child = new_node(r);
        skip_space(r);
        if (is_object) {
            if ((child->string = read_text(r)) == NULL)
                return -1;
            skip_space(r);
            if (r->at == r->end || *r->at++ != ':')
                return -1;
        }
        skip_space(r);
        const char *start = r->at;
        if (read_value(r, child))
            return -1;
        if (r->depth == 1 && is_object && r->props_start == NULL && child->string[0] == 'p' &&
            strcmp(child->string, "props") == 0)
            r->props_start = start, r->props_end = r->at;
        if (last == NULL)
            node->child = child;
        else
            last->next = child, child->prev = last;
        last = child;
        skip_space(r);
        if (r->at < r->end && *r->at == ',') {
            r->at++;
            continue;
        }
        if (r->at < r->end && *r->at == close) {
            r->at++;
            break;
        }
        return -1;
    }
    node->child->prev = last; /* cJSON keeps the last child there */
    r->depth--;
    return 0;
}

static int read_value(reader_t *r, cJSON *node) {
    skip_space(r);
    if (r->at == r->end)
        return -1;
    switch (*r->at) {
    case '{': return read_children(r, node, 1);
    case '[': return read_children(r, node, 0);
    case '"':
        node->type = cJSON_String;
        return (node->valuestring = read_text(r)) ? 0 : -1;
    case 't': return read_literal(r, "true", 4, node, cJSON_True);
    case 'f': return read_literal(r, "false", 5, node, cJSON_False);
    case 'n': return read_literal(r, "null", 4, node, cJSON_NULL);
    default:
        if (*r->at != '-' && (*r->at < '0' || *r->at > '9'))
            return -1;
        return read_number(r, node);
    }
}

/* How many of the 'size' bytes of 'text' are ',', '{' or '[', eight bytes at a time. */
static size_t count_openers(const char *text, size_t size) {
    size_t count = 0, i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t word;
        memcpy(&word, text + i, sizeof word);
        uint64_t found = zero_bytes(word ^ BYTES(',')) | zero_bytes(word ^ BYTES('{')) |
                         zero_bytes(word ^ BYTES('['));
        count += (size_t)(((found >> 7) * BYTES(1)) >> 56); /* the sum of the bytes' flags */
    }
    for (; i < size; i++)
        count += text[i] == ',' || text[i] == '{' || text[i] == '[';
    return count;
}

/* A block of 'size' bytes for the event reader: the one 'spare' (may be NULL) keeps when it
 * is large enough (then taken from it; '*capacity' is its size), else a new one. */
static cJSON *take_block(event_spare_t *spare, size_t size, size_t *capacity) {
    if (spare != NULL && spare->block != NULL && spare->size >= size) {
        cJSON *block = spare->block;
        *capacity = spare->size;
        spare->block = NULL;
        spare->size = 0;
        return block;
    }
    *capacity = size;
    return cJSON_malloc(size);
}

/* Keeps 'block' ('capacity' bytes) in 'spare' when it is larger than what 'spare' holds, and
 * frees the smaller one. */
static void keep_block(event_spare_t *spare, void *block, size_t capacity) {
    if (spare->block != NULL && spare->size >= capacity) {
        cJSON_free(block);
        return;
    }
    cJSON_free(spare->block);
    spare->block = block;
    spare->size = capacity;
}

/* Reads the object that starts 'text' (after white space) into a block from 'spare' (may be
 * NULL), sets '*end' past it and '*capacity' to the block's size; NULL when it is not a plain
 * object (or memory runs out). Copies the text of its "props" member, as it is spelled, to the
 * block too: '*props_text' (terminated; NULL when there is none) and '*props_size'. */
static cJSON *read_object(const char *text, size_t size, const char **end, event_spare_t *spare,
                          size_t *capacity, const char **props_text, size_t *props_size) {
    size_t nodes = 1, first = 0;
    while (first < size && (text[first] == ' ' || text[first] == '\t' || text[first] == '\n' ||
                            text[first] == '\r'))
        first++;
    if (first == size || text[first] != '{')
        return NULL;
    nodes += count_openers(text + first, size - first);
    /* The strings take at most 'size' bytes, and the copy of the props at most 'size' more. */
    cJSON *block = take_block(spare, nodes * sizeof(cJSON) + 2 * size + 1, capacity);
    if (block == NULL)
        return NULL;
    reader_t r = {text + first, text + size, block, (char *)(block + nodes), 0, NULL, NULL};
    cJSON *root = new_node(&r);
    if (read_value(&r, root)) {
        if (spare != NULL)
            keep_block(spare, block, *capacity);
        else
            cJSON_free(block);
        return NULL;
    }
    root->type |= cJSON_IsReference;
    *end = r.at;
    *props_text = NULL;
    *props_size = 0;
    if (r.props_start != NULL && *r.props_start == '{') {
        *props_size = (size_t)(r.props_end - r.props_start);
        memcpy(r.text, r.props_start, *props_size);
        r.text[*props_size] = '\0';
        *props_text = r.text;
    }
    return root;
}

/* Parses one JSON value, with nothing but white space after it. The event reader takes the
 * plain objects that events are; cJSON, which defines what is valid, reads anything else.
 * Returns the tree or NULL; sets '*block_size' to the size of the event reader's block, or 0
 * for another tree, and 'out's props text (see event_t) when the event reader kept it. */
static cJSON *parse_json(const char *text, size_t size, event_spare_t *spare, size_t *block_size,
                         event_t *out) {
    const char *end = NULL;
    cJSON *json = read_object(text, size, &end, spare, block_size, &out->props_text,
                              &out->props_text_size);
    if (json == NULL) {
        *block_size = 0;
        json = cJSON_ParseWithLengthOpts(text, size, &end, 0);
    }
    /* cJSON stops after the first value; anything but white space after it (a second
     * object glued on the same line) makes the event invalid, not silently shorter. */
    if (json != NULL && !is_blank(end, (size_t)(text + size - end))) {
        if (*block_size && spare != NULL)
            keep_block(spare, json, *block_size);
        else
            cJSON_Delete(json);
        json = NULL;
    }
    return json;
}

/* Atomic, because the live engine and tests may parse on more than one thread. */
static uint64_t next_serial(void) {
    static uint64_t last;
    return __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
}

int event_parse(const char *text, size_t size, event_t *out, nerr_t *err) {
    return event_parse_reusing(text, size, out, NULL, err);
}

int event_parse_reusing(const char *text, size_t size, event_t *out, event_spare_t *spare,
                        nerr_t *err) {
    memset(out, 0, sizeof *out);
    if (size > EVENT_MAX_BYTES)
        return nerr_set(err, NERR_INVALID, "event of %zu bytes exceeds the limit of %d bytes",
                        size, EVENT_MAX_BYTES);
    if (!event_is_utf8(text, size))
        return nerr_set(err, NERR_INVALID, "event is not valid UTF-8");

    size_t block_size;
    cJSON *json = parse_json(text, size, spare, &block_size, out);
    if (json == NULL)
        return nerr_set(err, NERR_INVALID, "event is not valid JSON");
    if (!cJSON_IsObject(json)) {
        cJSON_Delete(json);
        return nerr_set(err, NERR_INVALID, "event must be a JSON object");
    }
    out->json = json;
    out->block_size = block_size;

    const cJSON *found[F_COUNT];
    find_fields(json, found);
    const char *at_text;
    if (read_string(found[F_ID], F_ID, 1, &out->id, err) ||
        read_string(found[F_CONTACT], F_CONTACT, 1, &out->contact, err) ||
        read_string(found[F_TYPE], F_TYPE, 1, &out->type, err) ||
        read_string(found[F_AT], F_AT, 1, &at_text, err) ||
        read_string(found[F_ACCOUNT], F_ACCOUNT, 0, &out->account, err) ||
        read_string(found[F_CHANNEL], F_CHANNEL, 0, &out->channel, err) ||
        read_string(found[F_SOURCE], F_SOURCE, 0, &out->source, err))
        goto invalid;
    if (clock_parse_rfc3339(at_text, &out->at_ms, err) != 0) {
        nerr_prefix(err, "field \"at\"");
        goto invalid;
    }
    /* Fixed bounds, not the wall clock: replay and the live engine must agree on validity. */
    if (out->at_ms < EVENT_MIN_AT_MS || out->at_ms >= EVENT_MAX_AT_MS) {
        nerr_set(err, NERR_INVALID, "field \"at\": %.40s is outside the accepted years 2000 to 2099",
                 at_text);
        goto invalid;
    }
    const cJSON *props = found[F_PROPS];
    if (props != NULL && !cJSON_IsNull(props) && !cJSON_IsObject(props)) {
        nerr_set(err, NERR_INVALID, "field \"props\" must be an object");
        goto invalid;
    }
    out->props = cJSON_IsObject(props) ? props : NULL;
    if (out->props == NULL)
        out->props_text = NULL, out->props_text_size = 0;
    out->serial = next_serial();
    return 0;

invalid:
    event_close_keeping(out, spare);
    return NERR_INVALID;
}

void event_close(event_t *event) { event_close_keeping(event, NULL); }

void event_close_keeping(event_t *event, event_spare_t *spare) {
    if (spare != NULL && event->block_size > 0)
        keep_block(spare, event->json, event->block_size);
    else
        cJSON_Delete(event->json);
    memset(event, 0, sizeof *event);
}

void event_spare_free(event_spare_t *spare) {
    cJSON_free(spare->block);
    spare->block = NULL;
    spare->size = 0;
}
