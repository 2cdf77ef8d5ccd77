/* meter: the numbers the shell modules keep for the metrics endpoint — latency histograms
 * with fixed buckets and counters by a bounded set of labels. Plain data updated in place:
 * no I/O, no allocation, nothing to free. engine/shell/metrics renders them. */
#ifndef NURTURE_METER_H
#define NURTURE_METER_H

#include <stdint.h>

#define METER_BUCKETS 14     /* upper bounds, in seconds; +Inf is the count */
#define METER_LABELS_MAX 32  /* distinct label pairs per family; the rest count as "other" */
#define METER_LABEL_MAX 48   /* bytes of one label value, with its terminator */

/* The shared upper bounds of every histogram's buckets, in seconds, ascending. */
extern const double METER_BOUNDS_S[METER_BUCKETS];

typedef struct {
    uint64_t buckets[METER_BUCKETS]; /* observations <= METER_BOUNDS_S[i] (not cumulative) */
    uint64_t count;
    double sum_s;
} meter_histogram_t;

typedef struct {
    char first[METER_LABEL_MAX];
    char second[METER_LABEL_MAX];
    uint64_t count;
} meter_label_count_t;

/* Counters keyed by two label values (e.g. policy and channel). Once METER_LABELS_MAX pairs
 * are known, new pairs count under ("other", "other"), so the series stay bounded whatever
 * a playbook names. */
typedef struct {
    meter_label_count_t rows[METER_LABELS_MAX];
    int row_count;
} meter_labels_t;

/* Records one observation of 'elapsed_ns' nanoseconds (e.g. a difference of uv_hrtime). */
void meter_observe_ns(meter_histogram_t *histogram, uint64_t elapsed_ns);

/* Adds 'amount' to the counter of ('first', 'second'); NULL reads as "". Values longer than
 * METER_LABEL_MAX - 1 bytes are cut (at a UTF-8 character boundary). */
void meter_count(meter_labels_t *labels, const char *first, const char *second, uint64_t amount);

#endif
