/* meter: histograms and bounded label counters. */
#include "engine/shell/meter.h"

#include <string.h>

const double METER_BOUNDS_S[METER_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};

void meter_observe_ns(meter_histogram_t *h, uint64_t elapsed_ns) {
    double seconds = (double)elapsed_ns / 1e9;
    h->count++;
    h->sum_s += seconds;
    for (int i = 0; i < METER_BUCKETS; i++)
        if (seconds <= METER_BOUNDS_S[i]) {
            h->buckets[i]++;
            return;
        }
}

/* Copies 'text' into 'out' (METER_LABEL_MAX bytes), cut before a UTF-8 continuation byte. */
static void copy_label(char *out, const char *text) {
    size_t n = text ? strlen(text) : 0;
    if (n > METER_LABEL_MAX - 1) {
        n = METER_LABEL_MAX - 1;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    if (n > 0)
        memcpy(out, text, n);
    out[n] = '\0';
}

void meter_count(meter_labels_t *labels, const char *first, const char *second, uint64_t amount) {
    char a[METER_LABEL_MAX], b[METER_LABEL_MAX];
    copy_label(a, first);
    copy_label(b, second);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < labels->row_count; i++) {
            meter_label_count_t *row = &labels->rows[i];
            if (strcmp(row->first, a) == 0 && strcmp(row->second, b) == 0) {
                row->count += amount;
                return;
            }
        }
        /* The last row is kept for ("other", "other"), so the overflow has a place. */
        if (labels->row_count < METER_LABELS_MAX - 1 || (pass == 1 && labels->row_count < METER_LABELS_MAX)) {
            meter_label_count_t *row = &labels->rows[labels->row_count++];
            memcpy(row->first, a, sizeof a);
            memcpy(row->second, b, sizeof b);
            row->count = amount;
            return;
        }
        copy_label(a, "other");
        copy_label(b, "other");
    }
}
