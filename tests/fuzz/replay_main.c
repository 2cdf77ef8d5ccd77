/* replay_main: runs a fuzz target's entry point over files, outside libFuzzer, so every build
 * (gcc included) replays the seed corpus and the regressions. Each argument is a file or a
 * folder (its files, sorted; names starting with '.' are skipped). A crash is the failure;
 * the exit status is 1 only when an argument cannot be read. */
#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    size_t room = 4096, size = 0, n;
    uint8_t *data = malloc(room);
    while (data != NULL && (n = fread(data + size, 1, room - size, f)) > 0) {
        size += n;
        if (size == room) {
            uint8_t *bigger = realloc(data, room * 2);
            if (bigger == NULL)
                free(data);
            data = bigger;
            room *= 2;
        }
    }
    int failed = data == NULL || ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "%s: unreadable\n", path);
        free(data);
        return -1;
    }
    /* A copy of exactly 'size' bytes, so AddressSanitizer sees a read past the end. */
    uint8_t *exact = malloc(size ? size : 1);
    if (exact == NULL) {
        free(data);
        return -1;
    }
    memcpy(exact, data, size);
    free(data);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    return 0;
}

static int is_visible(const struct dirent *entry) { return entry->d_name[0] != '.'; }

static int replay_dir(const char *dir, int *count) {
    struct dirent **entries;
    int n = scandir(dir, &entries, is_visible, alphasort);
    if (n < 0) {
        perror(dir);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, entries[i]->d_name);
        if (rc == 0 && (rc = replay_file(path)) == 0)
            (*count)++;
        free(entries[i]);
    }
    free(entries);
    return rc;
}

static int replay_path(const char *path, int *count) {
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0; /* a regressions folder with no crash yet: git keeps no empty folder */
        perror(path);
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return replay_dir(path, count);
    if (replay_file(path) != 0)
        return -1;
    (*count)++;
    return 0;
}

int main(int argc, char **argv) {
    int count = 0;
    for (int i = 1; i < argc; i++)
        if (replay_path(argv[i], &count) != 0) {
            fprintf(stderr, "%s: cannot replay\n", argv[i]);
            return 1;
        }
    printf("replayed %d inputs\n", count);
    return 0;
}
