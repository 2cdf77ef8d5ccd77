/* failing_alloc: makes allocations fail on demand, to walk the out-of-memory paths.
 *
 * A test linked with the wrap options of tests/unit/CMakeLists.txt sends every malloc,
 * calloc, realloc and strdup of the core library (and of the test itself) through here.
 * Armed with n, the n+1-th allocation from then on fails, and every one after it too, as
 * memory stays short; disarmed, all go to the C library. Allocations inside shared
 * libraries (cJSON, Lua's own) are not wrapped, but the playbook's Lua allocator is ours.
 * Not thread-safe: the core is single-threaded. */
#ifndef NURTURE_FAILING_ALLOC_H
#define NURTURE_FAILING_ALLOC_H

/* Lets 'allowed' allocations succeed, then fails the rest until disarmed. */
void failing_alloc_arm(long allowed);

/* Lets every allocation succeed again. Returns how many failed while armed. */
long failing_alloc_disarm(void);

#endif
