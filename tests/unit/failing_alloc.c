/* failing_alloc: the wrappers the linker's --wrap sends allocations to. */
#include "failing_alloc.h"

#include <stddef.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *block, size_t size);
char *__real_strdup(const char *text);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *block, size_t size);
char *__wrap_strdup(const char *text);

static int is_armed;
static long allowed_left;
static long failed;

void failing_alloc_arm(long allowed) {
    is_armed = 1;
    allowed_left = allowed;
    failed = 0;
}

long failing_alloc_disarm(void) {
    is_armed = 0;
    return failed;
}

/* 1 when this allocation is to fail. */
static int must_fail(void) {
    if (!is_armed)
        return 0;
    if (allowed_left > 0) {
        allowed_left--;
        return 0;
    }
    failed++;
    return 1;
}

void *__wrap_malloc(size_t size) { return must_fail() ? NULL : __real_malloc(size); }

void *__wrap_calloc(size_t count, size_t size) {
    return must_fail() ? NULL : __real_calloc(count, size);
}

/* A realloc that frees is not an allocation. */
void *__wrap_realloc(void *block, size_t size) {
    if (block != NULL && size == 0)
        return __real_realloc(block, size);
    return must_fail() ? NULL : __real_realloc(block, size);
}

char *__wrap_strdup(const char *text) {
    if (must_fail())
        return NULL;
    size_t size = strlen(text) + 1;
    char *copy = __real_malloc(size);
    return copy ? memcpy(copy, text, size) : NULL;
}
