/* jsonflat: the nodes of the copy sit in one array at the start of the block, the strings
 * after them. The root is marked cJSON_IsReference, so cJSON_Delete frees the block (the
 * root's address) and never walks into the children, which it did not allocate one by one. */
#include "engine/core/jsonflat.h"

#include <string.h>

typedef struct {
    cJSON *nodes; /* the next free node */
    char *text;   /* the next free string byte */
} fill_t;

static void measure(const cJSON *item, int has_key, size_t *nodes, size_t *bytes) {
    (*nodes)++;
    if (has_key && item->string != NULL)
        *bytes += strlen(item->string) + 1;
    if (item->valuestring != NULL)
        *bytes += strlen(item->valuestring) + 1;
    for (const cJSON *child = item->child; child != NULL; child = child->next)
        measure(child, 1, nodes, bytes);
}

static char *copy_text(fill_t *f, const char *text) {
    size_t size = strlen(text) + 1;
    char *copy = memcpy(f->text, text, size);
    f->text += size;
    return copy;
}

static cJSON *fill(fill_t *f, const cJSON *item, int has_key) {
    cJSON *node = f->nodes++;
    memset(node, 0, sizeof *node);
    node->type = item->type & ~(cJSON_IsReference | cJSON_StringIsConst);
    node->valueint = item->valueint;
    node->valuedouble = item->valuedouble;
    if (item->valuestring != NULL)
        node->valuestring = copy_text(f, item->valuestring);
    if (has_key && item->string != NULL)
        node->string = copy_text(f, item->string);
    cJSON *last = NULL;
    for (const cJSON *child = item->child; child != NULL; child = child->next) {
        cJSON *copy = fill(f, child, 1);
        if (last == NULL) {
            node->child = copy;
        } else {
            last->next = copy;
            copy->prev = last;
        }
        last = copy;
    }
    if (node->child != NULL)
        node->child->prev = last; /* cJSON keeps the last child there, for appends */
    return node;
}

cJSON *jsonflat_copy(const cJSON *item) {
    if (item == NULL)
        return NULL;
    size_t nodes = 0, bytes = 0;
    measure(item, 0, &nodes, &bytes);
    cJSON *block = cJSON_malloc(nodes * sizeof(cJSON) + bytes);
    if (block == NULL)
        return NULL;
    fill_t f = {block, (char *)(block + nodes)};
    cJSON *root = fill(&f, item, 0);
    root->type |= cJSON_IsReference;
    return root;
}
