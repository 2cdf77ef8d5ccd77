/* offline: the engine's decision loop over a JSON Lines file of events, with contacts kept in
 * memory and the clock taken from the events — what `nurture run` does, minus Redis. Shared
 * by replay and explain, so both see exactly what the live engine decides. */
#ifndef NURTURE_OFFLINE_H
#define NURTURE_OFFLINE_H

#include "engine/core/decide.h"
#include "engine/core/playbook.h"

typedef struct {
    /* Called before an event is decided, with the contact as it was (may be NULL). */
    void (*before)(const event_t *event, const contact_t *contact, void *ud);
    /* Called after, with the updated contact and the decision (may be NULL). */
    void (*after)(const event_t *event, const contact_t *contact, const decision_t *decision,
                  void *ud);
    void *ud;
    int is_quiet; /* 1: do not report malformed lines and rule errors on stderr */
    const char *facts_path; /* JSON Lines of {"contact": ID, fact: value, ...}, or NULL: the
                               facts each contact starts with, as a CRM would hold them */
    int is_last; /* 1: the process ends after this run, which leaves its contacts for the
                    exit to take back (set it on one run only: an earlier one's are lost) */
} offline_hooks_t;

typedef struct {
    long events, duplicates, malformed, contacts, actions, rule_errors;
} offline_stats_t;

/* Runs 'playbook' (borrowed) over the events in 'path' ("-": stdin) in file order, calling
 * 'hooks' around each decided event. Malformed lines are reported as PATH:LINE: reason and
 * skipped; repeated event ids are counted and skipped, as the engine does. Fills 'stats'.
 * Returns 0, or -1 when the file cannot be read or memory runs out (reported on stderr). */
int offline_run(playbook_t *playbook, const char *path, const offline_hooks_t *hooks,
                offline_stats_t *stats);

#endif
