/* nerr: the error record every fallible function of nurture fills.
 * The message lives in a fixed buffer, so reporting out-of-memory never allocates. */
#ifndef NURTURE_NERR_H
#define NURTURE_NERR_H

enum {
    NERR_OK = 0,
    NERR_INVALID = -1,  /* bad input: an event, a rule file, a setting */
    NERR_NOMEM = -2,    /* an allocation failed */
    NERR_IO = -3,       /* a file or network operation failed */
    NERR_RULE = -4,     /* a playbook rule raised an error or ran out of budget */
    NERR_CONFLICT = -5, /* a version check failed; reload and decide again */
};

typedef struct {
    int code;
    char msg[256];
} nerr_t;

/* Records 'code' and a printf-style message in 'err' (which may be NULL) and returns 'code'. */
int nerr_set(nerr_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in 'err', keeping its code. */
void nerr_prefix(nerr_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
