/* jsonflat: the nodes of a tree sit in one array at the start of the block, the strings
 * after them. The root is marked cJSON_IsReference, so cJSON_Delete frees the block (the
 * root's address) and never walks into the children, which it did not allocate one by one. */
#include "engine/core/jsonflat.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/jsonr.h"

/* ---- parsing ---------------------------------------------------------------------------
 * Two passes over the text with one parser: the first ('nodes' NULL) checks it and counts
 * nodes and string bytes, the second fills the block. */

#define FLAT_MAX_DEPTH 32

typedef struct {
    const char *at, *end;
    cJSON *nodes;     /* NULL while measuring */
    char *text;       /* the next free string byte */
    size_t node_count;
    size_t bytes;
    int depth;
} parser_t;

static void skip_space(parser_t *p) {
    while (p->at < p->end && (*p->at == ' ' || *p->at == '\t' || *p->at == '\n' || *p->at == '\r'))
        p->at++;
}

/* Reads a string at '"'; stores the unescaped copy in '*out' when filling. */
static int parse_string(parser_t *p, char **out) {
    if (p->at == p->end || *p->at != '"')
        return -1;
    const char *start = ++p->at;
    while (p->at < p->end && *p->at != '"') {
        if ((unsigned char)*p->at < 32)
            return -1;
        if (*p->at == '\\' && ++p->at == p->end)
            return -1;
        p->at++;
    }
    if (p->at == p->end)
        return -1;
    const char *stop = p->at++;
    if (p->nodes == NULL) {
        p->bytes += (size_t)(stop - start) + 1;
        return 0;
    }
    char *copy = p->text;
    for (const char *s = start; s < stop; s++) {
        if (*s != '\\') {
            *p->text++ = *s;
            continue;
        }
        int c = jsonr_short_escape(*++s);
        if (c < 0)
            return -1;
        *p->text++ = (char)c;
    }
    *p->text++ = '\0';
    *out = copy;
    return 0;
}

void jsonflat_set_number(cJSON *node, double value) {
    node->type = cJSON_Number;
    node->valuedouble = value;
    node->valueint = value >= INT_MAX ? INT_MAX : value <= (double)INT_MIN ? INT_MIN : (int)value;
}

static int parse_number(parser_t *p, cJSON *node) {
    double value;
    if (jsonr_scan_number(&p->at, p->end, &value))
        return -1;
    if (node != NULL)
        jsonflat_set_number(node, value);
    return 0;
}

static int parse_literal(parser_t *p, const char *word, size_t size, cJSON *node, int type) {
    if ((size_t)(p->end - p->at) < size || memcmp(p->at, word, size) != 0)
        return -1;
    p->at += size;
    if (node != NULL) {
        node->type = type;
        node->valueint = type == cJSON_True;
        node->valuedouble = 0;
    }
    return 0;
}

static cJSON *next_node(parser_t *p) {
    p->node_count++;
    if (p->nodes == NULL)
        return NULL;
    cJSON *node = p->nodes++;
    memset(node, 0, sizeof *node);
    return node;
}

static int parse_value(parser_t *p, cJSON *node);

static int parse_children(parser_t *p, cJSON *node, int is_object) {
    char close = is_object ? '}' : ']';
    if (node != NULL)
        node->type = is_object ? cJSON_Object : cJSON_Array;
    if (++p->depth > FLAT_MAX_DEPTH)
        return -1;
    p->at++;
    skip_space(p);
    cJSON *last = NULL;
    if (p->at < p->end && *p->at == close) {
        p->at++;
        p->depth--;
        return 0;
    }
    for (;;) {
        cJSON *child = next_node(p);
        skip_space(p);
        if (is_object) {
            if (parse_string(p, child ? &child->string : NULL))
                return -1;
            skip_space(p);
            if (p->at == p->end || *p->at++ != ':')
                return -1;
        }
        if (parse_value(p, child))
            return -1;
        if (child != NULL) {
            if (last == NULL)
                node->child = child;
            else
                last->next = child, child->prev = last;
            last = child;
        }
        skip_space(p);
        if (p->at < p->end && *p->at == ',') {
            p->at++;
            continue;
        }
        if (p->at < p->end && *p->at == close) {
            p->at++;
            break;
        }
        return -1;
    }
    if (node != NULL)
        node->child->prev = last;
    p->depth--;
    return 0;
}

static int parse_value(parser_t *p, cJSON *node) {
    skip_space(p);
    if (p->at == p->end)
        return -1;
    switch (*p->at) {
    case '{': return parse_children(p, node, 1);
    case '[': return parse_children(p, node, 0);
    case '"':
        if (node != NULL)
            node->type = cJSON_String;
        return parse_string(p, node ? &node->valuestring : NULL);
    case 't': return parse_literal(p, "true", 4, node, cJSON_True);
    case 'f': return parse_literal(p, "false", 5, node, cJSON_False);
    case 'n': return parse_literal(p, "null", 4, node, cJSON_NULL);
    default: /* cJSON's numbers start with a digit or '-' */
        if (*p->at != '-' && (*p->at < '0' || *p->at > '9'))
            return -1;
        return parse_number(p, node);
    }
}

cJSON *jsonflat_parse(const char *text, size_t size, const char **end) {
    parser_t measure = {text, text + size, NULL, NULL, 0, 0, 0};
    next_node(&measure);
    if (parse_value(&measure, NULL))
        return NULL;
    cJSON *block = cJSON_malloc(measure.node_count * sizeof(cJSON) + measure.bytes);
    if (block == NULL)
        return NULL;
    parser_t fill_pass = {text, text + size, block, (char *)(block + measure.node_count), 0, 0, 0};
    cJSON *root = next_node(&fill_pass);
    if (parse_value(&fill_pass, root)) { /* cannot happen after the first pass */
        cJSON_free(block);
        return NULL;
    }
    root->type |= cJSON_IsReference;
    *end = fill_pass.at;
    return root;
}
